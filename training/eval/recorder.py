"""A backend wrapper that records every model call in the replay backend's JSONL format, so a
run's outputs can be re-scored offline: `spcopilot eval run … --replay-file RUN/outputs.jsonl`.

A chat call is recorded under its last user message (what the replay backend matches a chat
on), a raw completion under its whole prompt; a record may instead carry a `contains` key
chosen by the caller (the hole benchmark keys fills by the text before the cursor, which the
FIM prompt of one model and the prefix-only prompt of the replay backend both contain). The
extra `eval` key says which item the call served; the replay backend ignores it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from spcopilot.server.ai.backends.base import (
    NEVER_CANCELLED,
    Backend,
    CancelToken,
    Completion,
    GenerationOptions,
    Message,
    TokenCallback,
)


@dataclass(slots=True)
class Call:
    kind: str  # "chat" or "complete"
    key: str  # the last user message, or the prompt
    completion: Completion
    tag: dict[str, Any] = field(default_factory=dict)
    contains: str | None = None  # set by the caller to key the record by a substring instead

    def record(self) -> dict[str, Any]:
        out: dict[str, Any] = {"contains": self.contains} if self.contains is not None else {"prompt": self.key}
        out["output"] = self.completion.text
        usage = self.completion.usage
        out["usage"] = {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens}
        out["eval"] = {"call": self.kind, "finish_reason": self.completion.finish_reason, **self.tag}
        return out


class RecordingBackend(Backend):
    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name = inner.name
        self.model = inner.model
        self.calls: list[Call] = []
        self.tag: dict[str, Any] = {}  # set by the runner before each item's calls

    @property
    def fim_tokens(self) -> dict[str, str] | None:
        return self.inner.fim_tokens

    @property
    def is_chat_model(self) -> bool:
        return self.inner.is_chat_model

    @property
    def parameters(self) -> int | None:  # (the system prompt is sized by these two)
        return self.inner.parameters

    @property
    def context_window(self) -> int | None:
        return self.inner.context_window

    def complete(
        self,
        prompt: str,
        options: GenerationOptions,
        cancel: CancelToken = NEVER_CANCELLED,
        on_token: TokenCallback | None = None,
    ) -> Completion:
        done = self.inner.complete(prompt, options, cancel, on_token)
        self.calls.append(Call("complete", prompt, done, dict(self.tag)))
        return done

    def chat(
        self,
        messages: Sequence[Message],
        options: GenerationOptions,
        cancel: CancelToken = NEVER_CANCELLED,
        on_token: TokenCallback | None = None,
    ) -> Completion:
        done = self.inner.chat(messages, options, cancel, on_token)
        last_user = next((m.content for m in reversed(messages) if m.role == "user"), "")
        self.calls.append(Call("chat", last_user, done, dict(self.tag)))
        return done

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def info(self) -> dict[str, object]:
        return self.inner.info()

    def close(self) -> None:
        self.inner.close()

    def records(self) -> list[dict[str, Any]]:
        return [c.record() for c in self.calls]
