"""Plain data the engine hands out: diagnostics, fixes and edits (no LSP types here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, IntEnum


class Severity(IntEnum):
    """Numbered as in LSP so the server converts without a table."""

    ERROR = 1
    WARNING = 2
    INFO = 3
    HINT = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls[value.strip().upper()]
        except KeyError:
            choices = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {value!r} (use one of: {choices})") from None


class Applicability(str, Enum):
    """How sure a fix is: safe fixes are applied by --fix and fix-all; unsafe ones only on request."""

    SAFE = "safe"
    UNSAFE = "unsafe"


class Tag(str, Enum):
    UNNECESSARY = "unnecessary"
    DEPRECATED = "deprecated"


@dataclass(frozen=True, slots=True)
class Position:
    line: int
    character: int

    def to_json(self) -> dict[str, int]:
        return {"line": self.line, "character": self.character}


@dataclass(frozen=True, slots=True)
class Range:
    start: Position
    end: Position

    def to_json(self) -> dict[str, dict[str, int]]:
        return {"start": self.start.to_json(), "end": self.end.to_json()}


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace source bytes [start_byte, end_byte) with new_text; `range` is the same span in
    line/character (UTF-16 code units, as LSP's default)."""

    start_byte: int
    end_byte: int
    new_text: str
    range: Range

    def to_json(self) -> dict[str, object]:
        return {"range": self.range.to_json(), "new_text": self.new_text}


@dataclass(frozen=True, slots=True)
class Fix:
    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE

    def to_json(self) -> dict[str, object]:
        return {
            "title": self.title,
            "applicability": self.applicability.value,
            "edits": [e.to_json() for e in self.edits],
        }


@dataclass(frozen=True, slots=True)
class Related:
    """Another place that explains a diagnostic (LSP's relatedInformation): a frame of a runtime
    error's call stack, the log line it was read from, the finding of the rule that knows why."""

    path: str
    range: Range
    message: str

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "range": self.range.to_json(), "message": self.message}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    rule: str
    severity: Severity
    message: str
    start_byte: int
    end_byte: int
    range: Range
    fix: Fix | None = None
    tags: tuple[Tag, ...] = field(default=())
    path: str = ""
    related: tuple[Related, ...] = field(default=())

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "path": self.path,
            "code": self.code,
            "rule": self.rule,
            "severity": self.severity.label,
            "message": self.message,
            "range": self.range.to_json(),
            "fix": self.fix.to_json() if self.fix else None,
        }
        if self.related:
            out["related"] = [r.to_json() for r in self.related]
        return out
