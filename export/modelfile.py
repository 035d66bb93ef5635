"""Step 4a: the Ollama `Modelfile`: FROM the GGUF, a TEMPLATE in the model's chat format (ChatML,
with Ollama's `.Suffix` fill-in-the-middle form when the model has FIM tokens), the SYSTEM prompt
built from the knowledge base, and stop/temperature parameters."""

from __future__ import annotations

import logging

from spcopilot.export.errors import ExportError

log = logging.getLogger(__name__)

TEMPERATURE = 0.2
TOP_P = 0.95
NUM_CTX = 8192

# ChatML (Qwen2.5 and most fine-tunes) in Ollama's Go template language. FIM_BRANCH replaces
# @FIM@: what `ollama generate` with a suffix renders (plain prefix continuation without FIM tokens).
CHATML_TEMPLATE = """{{- if .Suffix }}@FIM@
{{- else if .Messages }}
{{- if .System }}<|im_start|>system
{{ .System }}<|im_end|>
{{ end }}
{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 }}
{{- if eq .Role "user" }}<|im_start|>user
{{ .Content }}<|im_end|>
{{ else if eq .Role "assistant" }}<|im_start|>assistant
{{ .Content }}{{ if not $last }}<|im_end|>
{{ end }}
{{- end }}
{{- if and (ne .Role "assistant") $last }}<|im_start|>assistant
{{ end }}
{{- end }}
{{- else }}
{{- if .System }}<|im_start|>system
{{ .System }}<|im_end|>
{{ end }}{{ if .Prompt }}<|im_start|>user
{{ .Prompt }}<|im_end|>
{{ end }}<|im_start|>assistant
{{ end }}{{ .Response }}{{ if .Response }}<|im_end|>{{ end }}"""


def fim_branch(fim: tuple[str, str, str] | None) -> str:
    if fim is None:
        return "{{ .Prompt }}"
    prefix, suffix, middle = fim
    return f"{prefix}{{{{ .Prompt }}}}{suffix}{{{{ .Suffix }}}}{middle}"


def system_prompt(provided: str | None = None) -> str:
    """The SYSTEM text: the one given, else the server's prompt registry's, else one built here
    from the knowledge base (export does not depend on the server; it uses it when present)."""
    if provided is not None:
        return provided
    try:
        from spcopilot.server.ai.prompts.system import system_prompt as registry_prompt
    except ImportError:
        return knowledge_base_prompt()
    return str(registry_prompt())


def knowledge_base_prompt() -> str:
    from spcopilot.diagnostics.knowledge.apis import nonexistent_functions
    from spcopilot.diagnostics.knowledge.events import misnames

    events = "; ".join(f"{m.wrong} -> {' or '.join(m.replacements)}" for m in misnames().values() if m.replacements)
    apis = "; ".join(f"{a.name} -> {a.replacement}" for a in nonexistent_functions().values() if a.replacement)
    return "\n".join(
        [
            "You are SourcePawn Copilot, an expert in SourceMod plugins for Left 4 Dead 2. Write modern "
            "SourcePawn (#pragma newdecls required, methodmaps) and use only natives, events and netprops that exist.",
            "",
            f"These L4D2 event names do not exist; use the real ones: {events}",
            "",
            f"These functions do not exist in SourceMod; use the real ones: {apis}",
        ]
    )


def render_modelfile(
    gguf_name: str,
    chat_template: str | None,
    fim: tuple[str, str, str] | None,
    stops: list[str],
    system: str,
    header: str = "",
) -> str:
    """The Modelfile text. `fim` is the (prefix, suffix, middle) token texts or None."""
    if '"""' in system:
        raise ExportError('the system prompt contains """, which a Modelfile cannot quote')
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines += [f"FROM ./{gguf_name}", ""]
    if chat_template is not None and "<|im_start|>" in chat_template:
        template = CHATML_TEMPLATE.replace("@FIM@", fim_branch(fim))
        lines += [f'TEMPLATE """{template}"""', ""]
    else:
        log.warning("the chat template is not ChatML: the Modelfile leaves TEMPLATE to Ollama (read from the GGUF)")
        lines += ["# TEMPLATE: not ChatML; Ollama derives it from the GGUF's tokenizer.chat_template", ""]
    lines += [f'SYSTEM """{system}"""', ""]
    lines += [f'PARAMETER stop "{stop}"' for stop in stops]
    lines += [f"PARAMETER temperature {TEMPERATURE}", f"PARAMETER top_p {TOP_P}", f"PARAMETER num_ctx {NUM_CTX}"]
    return "\n".join(lines) + "\n"
