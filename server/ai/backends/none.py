"""The default: no model. Every non-AI feature works; AI requests get a message that says how to
configure a backend."""

from __future__ import annotations

from collections.abc import Sequence

from spcopilot.server.ai.backends.base import (
    NEVER_CANCELLED,
    Backend,
    BackendError,
    CancelToken,
    Completion,
    GenerationOptions,
    Message,
    TokenCallback,
)

HOW_TO_CONFIGURE = (
    "No AI backend is configured. Set the `backend` setting (or SPCOPILOT_BACKEND) to one of: "
    '"llamacpp" with `gguf` = the path of a .gguf model (offline; needs `pip install '
    '"sourcepawn-copilot[local]"`), "openai" with `model` (e.g. your ft:gpt-4o-mini-… fine-tune) and '
    "OPENAI_API_KEY (or `base-url` for any OpenAI-compatible server such as Ollama or llama.cpp's "
    'server), or "replay" with `replay-file` = a JSONL of recorded outputs.'
)


class NoBackend(Backend):
    name = "none"
    model = ""

    def complete(
        self,
        prompt: str,
        options: GenerationOptions,
        cancel: CancelToken = NEVER_CANCELLED,
        on_token: TokenCallback | None = None,
    ) -> Completion:
        raise BackendError(HOW_TO_CONFIGURE)

    def chat(
        self,
        messages: Sequence[Message],
        options: GenerationOptions,
        cancel: CancelToken = NEVER_CANCELLED,
        on_token: TokenCallback | None = None,
    ) -> Completion:
        raise BackendError(HOW_TO_CONFIGURE)
