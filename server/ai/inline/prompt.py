"""The inline-completion prompt for the configured backend: a FIM prompt in the model's own
family format, a prefix-only prompt for models without FIM tokens, or the hole-filler chat
prompt for chat-only models."""

from __future__ import annotations

from dataclasses import dataclass, field

from spcopilot.server.ai.backends.base import Backend, Message
from spcopilot.server.ai.prompts.context import PromptContext
from spcopilot.server.ai.prompts.fim import (
    COMPLETION_CLOSE,
    FAMILIES,
    RepoFile,
    hole_filler_messages,
    prefix_only,
)
from spcopilot.server.ai.prompts.stops import stop_sequences
from spcopilot.server.ai.prompts.system import system_prompt_for
from spcopilot.server.ai.prompts.window import Window, cut_window

PREFIX_BUDGET, SUFFIX_BUDGET = 1536, 384
CONTEXT_PATH = "include/context.inc"


def estimate_tokens(text: str) -> int:
    """Window cutting only needs a budget, not an exact count: ~3.5 bytes a token for code.
    (The backend's tokenizer would cost a call per line on every keystroke.)"""
    return (len(text) * 2 + 6) // 7


@dataclass(frozen=True, slots=True)
class InlinePrompt:
    kind: str  # "fim", "prefix" or "chat"
    window: Window
    prompt: str = ""
    messages: tuple[Message, ...] = ()
    stops: tuple[str, ...] = field(default=())


def build_inline_prompt(
    backend: Backend,
    text: str,
    offset: int,
    path: str,
    context: PromptContext,
    multi_line: bool,
) -> InlinePrompt:
    # A small context window (a few thousand tokens) keeps room for the answer: half of it at most.
    share = (backend.context_window or 0) // 2 or PREFIX_BUDGET + SUFFIX_BUDGET
    scale = min(1.0, share / (PREFIX_BUDGET + SUFFIX_BUDGET))
    window = cut_window(text, offset, estimate_tokens, int(PREFIX_BUDGET * scale), int(SUFFIX_BUDGET * scale))
    notes = context.notes()
    stops = stop_sequences(multi_line)
    fim = backend.fim_tokens
    family = FAMILIES.get((fim or {}).get("family", "")) if fim else None
    if family is None and fim:  # a backend that names its tokens but not the family
        family = next((f for f in FAMILIES.values() if f.prefix == fim.get("prefix")), None)
    if family is not None:
        name = path.rsplit("/", 1)[-1] or "plugin.sp"
        if family.file_sep and notes:
            prompt = family.render(window.prefix, window.suffix, name, files=[RepoFile(CONTEXT_PATH, notes)])
        else:
            prompt = family.render(notes + window.prefix, window.suffix)
        return InlinePrompt("fim", window, prompt, stops=stops)
    if backend.is_chat_model:
        system = system_prompt_for(backend.parameters, backend.context_window)
        messages = hole_filler_messages(system, window.prefix, window.suffix, notes)
        return InlinePrompt("chat", window, messages=tuple(messages), stops=(COMPLETION_CLOSE,))
    return InlinePrompt("prefix", window, prefix_only(window.prefix, notes), stops=stops)
