"""Suppression comments.

- `// spcopilot: ignore[SPC201]` (or several codes, comma-separated) at the end of a line
  silences those codes on that line; on a line of its own it silences the next line.
- `// spcopilot: ignore` without codes silences every rule there.
- `// spcopilot: ignore-file[SPC401]` anywhere silences those codes in the whole file;
  `// spcopilot: ignore-file` silences the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from spcopilot.diagnostics.text import LineIndex

_PATTERN = re.compile(rb"//\s*spcopilot:\s*(ignore-file|ignore)\b(?:\[([A-Za-z0-9_,\s]*)\])?")
ALL = "*"


@dataclass(slots=True)
class Suppressions:
    by_line: dict[int, set[str]] = field(default_factory=dict)
    file: set[str] = field(default_factory=set)

    def suppressed(self, code: str, line: int) -> bool:
        if ALL in self.file or code in self.file:
            return True
        codes = self.by_line.get(line)
        return bool(codes) and (ALL in codes or code in codes)  # type: ignore[operator]


def parse_suppressions(source: bytes, lines: LineIndex | Callable[[], LineIndex]) -> Suppressions:
    """`lines` may be a function making the index: files without suppressions never need it."""
    found = Suppressions()
    if b"spcopilot:" not in source:
        return found
    if callable(lines):
        lines = lines()
    for m in _PATTERN.finditer(source):
        codes = {c.strip().upper() for c in m.group(2).decode().split(",") if c.strip()} if m.group(2) else {ALL}
        if m.group(1) == b"ignore-file":
            found.file |= codes
            continue
        line = lines.line_of(m.start())
        line_start = lines.line_starts[line]
        own_line = not source[line_start : m.start()].strip()
        target = line + 1 if own_line else line
        found.by_line.setdefault(target, set()).update(codes)
    return found


def suppression_comment(code: str) -> str:
    return f"// spcopilot: ignore[{code}]"
