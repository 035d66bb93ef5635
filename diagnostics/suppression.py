"""Suppression comments.

- `// spcopilot: ignore[SPC201]` (or several codes, comma-separated) at the end of a line
  silences those codes on that line; on a line of its own it silences the next line.
- `// spcopilot: ignore` without codes silences every rule there.
- `// spcopilot: ignore-file[SPC401]` anywhere silences those codes in the whole file;
  `// spcopilot: ignore-file` silences the file.

Each comment is kept with where it is (`SuppressionComment`), so the engine can tell which ones
silenced something and which silence nothing (SPC801).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from spcopilot.diagnostics.text import LineIndex

_PATTERN = re.compile(rb"//\s*spcopilot:\s*(ignore-file|ignore)\b(?:\[([A-Za-z0-9_,\s]*)\])?")
ALL = "*"


@dataclass(frozen=True, slots=True)
class SuppressionComment:
    start: int  # byte offset of the `//`
    end: int  # end of the `ignore[...]` text
    codes: tuple[str, ...]  # as written (upper-cased), or (ALL,)
    file: bool  # ignore-file
    line: int  # the line it silences (file comments: the line it is on)
    own_line: bool  # nothing but whitespace before it on its line
    codes_span: tuple[int, int] | None = None  # the bytes between the brackets


@dataclass(slots=True)
class Suppressions:
    by_line: dict[int, set[str]] = field(default_factory=dict)
    file: set[str] = field(default_factory=set)
    comments: list[SuppressionComment] = field(default_factory=list)

    def suppressed(self, code: str, line: int) -> bool:
        if ALL in self.file or code in self.file:
            return True
        codes = self.by_line.get(line)
        return bool(codes) and (ALL in codes or code in codes)  # type: ignore[operator]

    def silencing(self, code: str, line: int) -> list[int]:
        """The indexes of the comments that silence `code` on `line` (empty: it is not silenced)."""
        return [
            i for i, c in enumerate(self.comments) if (c.file or c.line == line) and (ALL in c.codes or code in c.codes)
        ]


def parse_suppressions(source: bytes, lines: LineIndex | Callable[[], LineIndex]) -> Suppressions:
    """`lines` may be a function making the index: files without suppressions never need it."""
    found = Suppressions()
    if b"spcopilot:" not in source:
        return found
    if callable(lines):
        lines = lines()
    for m in _PATTERN.finditer(source):
        written = m.group(2).decode().split(",") if m.group(2) is not None else []
        codes = tuple(dict.fromkeys(c.strip().upper() for c in written if c.strip())) or (ALL,)
        line = lines.line_of(m.start())
        line_start = lines.line_starts[line]
        own_line = not source[line_start : m.start()].strip()
        is_file = m.group(1) == b"ignore-file"
        target = line if is_file or not own_line else line + 1
        span = (m.start(2), m.end(2)) if m.group(2) is not None else None
        found.comments.append(SuppressionComment(m.start(), m.end(), codes, is_file, target, own_line, span))
        if is_file:
            found.file |= set(codes)
        else:
            found.by_line.setdefault(target, set()).update(codes)
    return found


def suppression_comment(code: str) -> str:
    return f"// spcopilot: ignore[{code}]"
