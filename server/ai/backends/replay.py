"""Answers from a JSONL of recorded outputs: for the evaluation battery (score recorded model
outputs without the model) and for tests of everything downstream of a model.

Each line is one record; the first that matches answers:
    {"prompt": "<exact prompt or last user message>", "output": "..."}
    {"contains": "<substring of the prompt or last user message>", "output": "..."}
    {"output": "..."}                 (matches anything: a catch-all, put it last)
Optional `"usage": {"prompt_tokens": n, "completion_tokens": m}`; otherwise counts are estimated.
Outputs stream word by word through the same callback and cancel checks as the real backends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from spcopilot.server.ai.backends.base import (
    NEVER_CANCELLED,
    Backend,
    BackendError,
    CancelToken,
    Completion,
    GenerationOptions,
    Message,
    TokenCallback,
    Usage,
)


@dataclass(frozen=True, slots=True)
class Record:
    output: str
    prompt: str | None = None
    contains: str | None = None
    usage: Usage | None = None

    def matches(self, prompt: str) -> bool:
        if self.prompt is not None:
            return prompt == self.prompt
        if self.contains is not None:
            return self.contains in prompt
        return True


def load_records(path: Path) -> list[Record]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise BackendError(f"cannot read the replay file {path}: {e.strerror or e}") from None
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict) or not isinstance(row.get("output"), str):
                raise ValueError('each line must be an object with a string "output"')
            usage = row.get("usage")
            records.append(
                Record(
                    row["output"],
                    row.get("prompt"),
                    row.get("contains"),
                    Usage(int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0)))
                    if isinstance(usage, dict)
                    else None,
                )
            )
        except (ValueError, TypeError, AttributeError) as e:
            raise BackendError(f"{path}:{number}: not a replay record ({e})") from None
    return records


_PIECES = re.compile(r"\s*\S+|\s+")


class ReplayBackend(Backend):
    name = "replay"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.records = load_records(self.path)
        self.model = f"replay:{self.path.name}"

    def _answer(
        self, prompt: str, options: GenerationOptions, cancel: CancelToken, on_token: TokenCallback | None
    ) -> Completion:
        record = next((r for r in self.records if r.matches(prompt)), None)
        if record is None:
            raise BackendError(f"the replay file {self.path} has no recorded output for this prompt")
        usage = record.usage or Usage(self.count_tokens(prompt), 0)
        text, finish = "", "stop"
        for count, piece in enumerate(_PIECES.findall(record.output), 1):
            cancel.raise_if_cancelled(text, usage)
            if count > options.max_tokens:
                finish = "length"
                break
            before, text = text, text + piece
            cut = _first_stop(text, options.stop)
            if cut is not None:
                text = text[:cut]
                if on_token and len(text) > len(before):
                    on_token(text[len(before) :])
                break
            if on_token:
                on_token(piece)
        if record.usage is None:
            usage = Usage(usage.prompt_tokens, self.count_tokens(text))
        return Completion(text, usage, finish, self.model)

    def complete(
        self,
        prompt: str,
        options: GenerationOptions,
        cancel: CancelToken = NEVER_CANCELLED,
        on_token: TokenCallback | None = None,
    ) -> Completion:
        return self._answer(prompt, options, cancel, on_token)

    def chat(
        self,
        messages: Sequence[Message],
        options: GenerationOptions,
        cancel: CancelToken = NEVER_CANCELLED,
        on_token: TokenCallback | None = None,
    ) -> Completion:
        last_user = next((m.content for m in reversed(messages) if m.role == "user"), "")
        return self._answer(last_user, options, cancel, on_token)


def _first_stop(text: str, stops: Sequence[str]) -> int | None:
    hits = [i for i in (text.find(s) for s in stops if s) if i >= 0]
    return min(hits) if hits else None
