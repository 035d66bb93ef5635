"""The one interface every backend implements: text completion (fill-in-the-middle when the
model has FIM tokens, prefix-only otherwise) and chat, both streaming through a callback,
cancellable through a `CancelToken`, and reporting token usage.

Calls are synchronous and may block for seconds; the LSP runs them on a worker thread and
cancels through the token. A cancelled call raises `Cancelled` after the model stopped (for the
local backend within one token, for the OpenAI backend by closing the stream).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from spcopilot.diagnostics.errors import SpcopilotError


class BackendError(SpcopilotError):
    """A backend could not answer: the message says what to do (configure, start, fix the key)."""


class Cancelled(Exception):
    """The caller cancelled the request; whatever was generated so far is in `partial`."""

    def __init__(self, partial: str = "", usage: Usage | None = None) -> None:
        super().__init__("cancelled")
        self.partial = partial
        self.usage = usage or Usage()


class CancelToken:
    """Set once by whoever gave up on the request; checked by the backend before each token."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def cancel(self) -> None:
        with self._lock:
            if self._event.is_set():
                return
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Run `callback` when cancelled (at once if already cancelled): closes streams."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return
        callback()

    def raise_if_cancelled(self, partial: str = "", usage: Usage | None = None) -> None:
        if self._event.is_set():
            raise Cancelled(partial, usage)


NEVER_CANCELLED = CancelToken()


@dataclass(slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.prompt_tokens + other.prompt_tokens, self.completion_tokens + other.completion_tokens)


@dataclass(slots=True)
class Completion:
    text: str
    usage: Usage = field(default_factory=Usage)
    finish_reason: str = "stop"  # "stop", "length", "time"
    model: str = ""


@dataclass(frozen=True, slots=True)
class Message:
    role: str  # "system", "user", "assistant"
    content: str

    def to_json(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


TokenCallback = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class StringChoice:
    """The generation starts inside a string literal whose content must be one of `names` (the
    knowledge base's events, event fields or netprops for that argument); `typed` is the part of
    the string already before the cursor. A backend that can constrain decoding (llama.cpp) lets
    the model write only a name's rest and the closing quote; the others get it checked after the
    fact (string_choice.nearest_choice). Built by server/features/completion.string_choice."""

    kind: str  # "event", "event field" or "netprop"
    names: tuple[str, ...]
    typed: str = ""

    def remaining(self) -> list[str]:
        """The names that start with what is typed: empty when the typed text matches none (then
        nothing is forced and the guard speaks)."""
        return [n for n in self.names if n.startswith(self.typed)]


@dataclass(frozen=True, slots=True)
class GenerationOptions:
    """How to sample: the defaults are the settings' (server/settings.py). A backend uses what its
    model server understands: llama.cpp all of them; OpenAI temperature, top_p and seed (an
    OpenAI-compatible server behind `base-url` also gets top_k, min_p and repeat_penalty)."""

    max_tokens: int = 256
    temperature: float = 0.2  # 0: greedy
    top_p: float = 0.95  # 1: off
    top_k: int = 40  # 0: off
    min_p: float = 0.05  # 0: off
    repeat_penalty: float = 1.1  # 1: off; over the last 64 generated tokens
    seed: int = 0  # 0: a new seed each request
    stop: Sequence[str] = ()
    timeout_s: float | None = None  # generation time cap; the result is cut (finish_reason "time")
    choice: StringChoice | None = None  # the answer starts inside a string naming one of these
    # Called with the text generated so far when a generated token writes a quote: the names the
    # string it opens must be (None: a free string, or a closing quote). Backends that constrain.
    choice_after: Callable[[str], StringChoice | None] | None = None


class Backend(ABC):
    """One model behind chat and raw text completion."""

    name: str = ""
    model: str = ""

    @property
    def fim_tokens(self) -> dict[str, str] | None:
        """The model's own fill-in-the-middle tokens ({"prefix", "suffix", "middle", ...}) or
        None: the prompt registry picks the template family from these."""
        return None

    @property
    def parameters(self) -> int | None:
        """The model's parameter count when the backend knows it (a local GGUF), else None."""
        return None

    @property
    def context_window(self) -> int | None:
        """The context length requests run with, in tokens, when the backend knows it."""
        return None

    @property
    def constrains_choice(self) -> bool:
        """True when decoding itself keeps to `GenerationOptions.choice` (llama.cpp)."""
        return False

    @property
    def is_chat_model(self) -> bool:
        """True when raw completion is not offered (OpenAI chat models): prompts go through chat."""
        return False

    @abstractmethod
    def complete(
        self,
        prompt: str,
        options: GenerationOptions,
        cancel: CancelToken = NEVER_CANCELLED,
        on_token: TokenCallback | None = None,
    ) -> Completion:
        """Continue `prompt` as raw text (the FIM prompt is already rendered into it)."""

    @abstractmethod
    def chat(
        self,
        messages: Sequence[Message],
        options: GenerationOptions,
        cancel: CancelToken = NEVER_CANCELLED,
        on_token: TokenCallback | None = None,
    ) -> Completion:
        """Answer a conversation."""

    def count_tokens(self, text: str) -> int:
        """The model's token count of `text`; an estimate (4 bytes a token) where unknown."""
        return max(1, len(text.encode("utf-8")) // 4) if text else 0

    def info(self) -> dict[str, object]:
        return {"backend": self.name, "model": self.model}

    def close(self) -> None:  # noqa: B027 (optional hook: most backends hold nothing to free)
        """Free the model or connection."""
