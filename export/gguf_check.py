"""Step 5a: load an exported GGUF with llama.cpp and check what the server relies on: the chat
template, the special and FIM token ids (each must be the token whose text the Hugging Face
tokenizer gives it), llama.cpp tokenizing like the Hugging Face tokenizer, and a generation."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from spcopilot.export.errors import ExportError
from spcopilot.export.special_tokens import FIM_KEYS, find_tokens, gguf_key

log = logging.getLogger(__name__)

SMOKE_PROMPT = "#include <sourcemod>\n\npublic void OnPluginStart()\n{\n"
SMOKE_CHAT = "Write a SourceMod plugin that greets players when they join."
TOKENIZER_PROBES = (
    "#pragma semicolon 1\n#pragma newdecls required\n\n#include <sourcemod>\n#include <sdktools>\n",
    'public void OnPluginStart()\n{\n\tHookEvent("player_death", Event_PlayerDeath);\n}\n',
    "CreateTimer(0.5, Timer_Check, GetClientUserId(client), TIMER_FLAG_NO_MAPCHANGE);",
    'int health = GetEntProp(client, Prop_Data, "m_iHealth");\n\tif (health <= 0) return;',
    'RegConsoleCmd("sm_hp", Command_Hp, "Show health");  PrintToChat(client, "\\x04%d\\x01 HP", 100);',
    "for (int i = 1; i <= MaxClients; i++)\n\t{\n\t\tif (!IsClientInGame(i)) continue;\n\t}",
    "float fSpeed = 1.25; char sName[MAX_NAME_LENGTH]; // 3 33 333 3333 3.14159",
    "    \t  mixed   indentation\r\n\r\nand CRLF lines   \n",
    "Unicode: héllo wörld, 日本語, 🚀 emoji, I've 'll 're don't",
    "<|im_start|>user\nWrite a plugin<|im_end|>\n<|im_start|>assistant\n",
    "<|fim_prefix|>int a = <|fim_suffix|>;\n<|fim_middle|>",
)


@dataclass
class GgufReport:
    file: str
    pre_tokenizer: str
    chat_template: bool
    special_token_ids: dict[str, int]
    tokenizer_agreement: list[int]  # [agreeing, probes]
    tokenizer_mismatches: list[str] = field(default_factory=list)
    smoke_completion: str = ""
    smoke_completion_tokens: int = 0
    smoke_chat: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def hf_vocabulary(hf_dir: Path) -> dict[str, int]:
    """Token text -> id of the Hugging Face tokenizer (tokenizer.json, else added_tokens.json)."""
    tokenizer_json = hf_dir / "tokenizer.json"
    vocabulary: dict[str, int] = {}
    if tokenizer_json.is_file():
        data = json.loads(tokenizer_json.read_text("utf-8"))
        model_vocab = data.get("model", {}).get("vocab")
        if isinstance(model_vocab, dict):
            vocabulary.update({str(k): int(v) for k, v in model_vocab.items()})
        for token in data.get("added_tokens", []):
            vocabulary[str(token["content"])] = int(token["id"])
    added = hf_dir / "added_tokens.json"
    if added.is_file():
        vocabulary.update({str(k): int(v) for k, v in json.loads(added.read_text("utf-8")).items()})
    return vocabulary


def hf_chat_template(hf_dir: Path) -> str | None:
    config = hf_dir / "tokenizer_config.json"
    if config.is_file():
        template = json.loads(config.read_text("utf-8")).get("chat_template")
        if isinstance(template, str):
            return template
        if isinstance(template, list):  # named templates: the converter writes "default" as the chat template
            named = {str(t.get("name")): str(t.get("template")) for t in template if isinstance(t, dict)}
            return named.get("default")
    jinja = hf_dir / "chat_template.jinja"
    return jinja.read_text("utf-8") if jinja.is_file() else None


def verify_threads() -> int:
    """Half the cores (at least one): on a machine busy with other work, llama.cpp's threads that wait
    for a descheduled peer made every thread crawl when they were as many as the cores."""
    return max(1, (os.cpu_count() or 1) // 2)


def open_gguf(path: Path, n_ctx: int = 512, logits_all: bool = False) -> Any:
    try:
        from llama_cpp import Llama
    except ImportError:
        raise ExportError("verifying needs llama-cpp-python: `pip install 'sourcepawn-copilot[local]'`") from None
    try:
        return Llama(
            model_path=str(path),
            n_ctx=n_ctx,
            logits_all=logits_all,
            n_threads=verify_threads(),
            verbose=False,
            seed=0,
        )
    except (ValueError, RuntimeError) as exc:
        raise ExportError(f"llama.cpp cannot load {path.name}: {exc}") from None


def check_gguf(path: Path, hf_dir: Path, hf_tokenizer: Any, strict_tokenizer: bool) -> GgufReport:
    """Metadata, token ids, tokenization and a smoke generation of one GGUF; raises on what breaks serving."""
    llm = open_gguf(path)
    try:
        return _check(llm, path, hf_dir, hf_tokenizer, strict_tokenizer)
    finally:
        llm.close()


def _check(llm: Any, path: Path, hf_dir: Path, hf_tokenizer: Any, strict_tokenizer: bool) -> GgufReport:
    meta: dict[str, str] = llm.metadata
    template = hf_chat_template(hf_dir)
    if template is None:
        raise ExportError(
            f"{hf_dir}: the tokenizer has no chat template, so {path.name} has none either and llama.cpp would "
            "fall back to the Llama-2 format. Add the template the model was trained with (ChatML for Qwen2.5) "
            "as `chat_template` in tokenizer_config.json."
        )
    if meta.get("tokenizer.chat_template") != template:
        raise ExportError(f"{path.name}: the chat template of {hf_dir} did not reach the GGUF metadata")
    ids: dict[str, int] = {}
    for name, (text, token_id) in find_tokens(hf_vocabulary(hf_dir)).items():
        value = meta.get(gguf_key(name))
        if not name.startswith("fim_"):  # eot: the converter may have chosen it itself
            continue
        if value is None or int(value) != token_id:
            raise ExportError(f"{path.name}: {gguf_key(name)} is {value}, expected {token_id} ({text})")
        piece = llm.detokenize([token_id], special=True).decode("utf-8", "replace")
        if piece != text:
            raise ExportError(f"{path.name}: token {token_id} is {piece!r} in llama.cpp, {text!r} in the tokenizer")
        ids[name] = token_id
    if not all(key in ids for key in FIM_KEYS):
        log.warning(
            "%s: the tokenizer has no fill-in-the-middle tokens: inline completion will be prefix-only", path.name
        )
    for name in ("bos", "eos", "eot"):
        value = meta.get(gguf_key(name))
        if value is not None:
            ids[name] = int(value)
    agreeing, mismatches = compare_tokenizers(llm, hf_tokenizer, TOKENIZER_PROBES)
    if mismatches and strict_tokenizer:
        raise ExportError(
            f"{path.name}: llama.cpp tokenizes {len(mismatches)} of {len(TOKENIZER_PROBES)} probe texts differently from "
            f"the Hugging Face tokenizer (first: {mismatches[0]!r}): the --pretokenizer named does not split like this "
            "tokenizer; name another one."
        )
    report = GgufReport(
        path.name, meta.get("tokenizer.ggml.pre", ""), True, ids, [agreeing, len(TOKENIZER_PROBES)], mismatches
    )
    out = llm.create_completion(SMOKE_PROMPT, max_tokens=16, temperature=0.0)
    report.smoke_completion = str(out["choices"][0]["text"])
    report.smoke_completion_tokens = int(out["usage"]["completion_tokens"])
    chat = llm.create_chat_completion([{"role": "user", "content": SMOKE_CHAT}], max_tokens=16, temperature=0.0)
    report.smoke_chat = str(chat["choices"][0]["message"]["content"] or "")
    return report


def compare_tokenizers(llm: Any, hf_tokenizer: Any, texts: Sequence[str]) -> tuple[int, list[str]]:
    agreeing, mismatches = 0, []
    for text in texts:
        theirs = llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        ours = hf_tokenizer.encode(text, add_special_tokens=False)
        if list(theirs) == list(ours):
            agreeing += 1
        else:
            mismatches.append(text)
    return agreeing, mismatches
