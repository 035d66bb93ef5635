"""The same error counted once: by plugin, where it happened (the stack's lines) and what it
says with the numbers taken out ("Client 3 is not in game" and "Client 7 is not in game" are
one error), with how often, first and last seen, and the latest of its messages and stacks.
At most MAX_GROUPS different errors are kept (a log of a million different ones stays small);
the rest are counted in `dropped`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from spcopilot.diagnostics.runtime.records import RuntimeError_

MAX_GROUPS = 5000
_NUMBERS = re.compile(r"\b(?:0x)?[0-9a-fA-F]*\d[0-9a-fA-F]*\b")


def template(message: str) -> str:
    return _NUMBERS.sub("#", message)


@dataclass(slots=True)
class ErrorGroup:
    latest: RuntimeError_
    count: int = 0
    first: datetime | None = None
    last: datetime | None = None
    first_text: str = ""
    last_text: str = ""
    logs: set[str] = field(default_factory=set)

    def add(self, error: RuntimeError_) -> None:
        self.count += 1
        self.logs.add(error.log)
        if error.time is not None:
            if self.first is None or error.time < self.first:
                self.first, self.first_text = error.time, error.time_text
            if self.last is None or error.time >= self.last:
                self.last, self.last_text = error.time, error.time_text
                self.latest = error
        else:
            self.first_text = self.first_text or error.time_text
            self.last_text = error.time_text
            if self.last is None:
                self.latest = error


Key = tuple[str, str, str, tuple[tuple[str, int, str], ...]]


def key_of(error: RuntimeError_) -> Key:
    stack = tuple((f.file, f.line, f.function) for f in error.scripted_frames)
    return (error.kind, error.plugin.lower(), template(error.message), stack)


@dataclass(slots=True)
class Summary:
    groups: dict[Key, ErrorGroup] = field(default_factory=dict)
    dropped: int = 0  # errors not kept (past MAX_GROUPS different ones)

    def add(self, error: RuntimeError_) -> None:
        key = key_of(error)
        group = self.groups.get(key)
        if group is None:
            if len(self.groups) >= MAX_GROUPS:
                self.dropped += 1
                return
            group = self.groups[key] = ErrorGroup(error)
        group.add(error)

    def add_all(self, errors: Iterable[RuntimeError_]) -> Summary:
        for error in errors:
            self.add(error)
        return self

    def merged(self, other: Summary) -> Summary:
        """Both summaries as one (errors seen in several log files counted together)."""
        out = Summary(dropped=self.dropped + other.dropped)
        for source in (self, other):
            for key, group in source.groups.items():
                mine = out.groups.get(key)
                if mine is None:
                    out.groups[key] = ErrorGroup(group.latest, group.count, group.first, group.last,
                                                 group.first_text, group.last_text, set(group.logs))  # fmt: skip
                    continue
                mine.count += group.count
                mine.logs |= group.logs
                if group.first is not None and (mine.first is None or group.first < mine.first):
                    mine.first, mine.first_text = group.first, group.first_text
                if group.last is not None and (mine.last is None or group.last >= mine.last):
                    mine.last, mine.last_text, mine.latest = group.last, group.last_text, group.latest
        return out
