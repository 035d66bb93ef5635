"""Compiler messages as the engine's plain diagnostics, and merged with ours.

- Code `spcomp-NNN` (the compiler's number), rule `spcomp`, severity error for `error` and
  `fatal error`, warning for `warning`.
- The range covers the reported line(s): the compiler gives no column. It starts at the first
  non-blank character and ends at the last one, so the squiggle sits on the code; lines past
  the end of the file (a fatal error at EOF) clamp to the last line.
- A compiler finding that says the same as one of ours is dropped in favour of ours, which
  explains the L4D2 reason and usually has a fix: same file, our finding starts on one of the
  reported lines, and a name the compiler quotes (`undefined symbol "RandomFloat"`) is in our
  finding's message or under its range. Without a quoted name nothing is dropped: hiding a
  compiler error on a guess would be worse than showing both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from spcopilot.diagnostics.compiler.output import CompilerMessage
from spcopilot.diagnostics.model import Diagnostic
from spcopilot.diagnostics.sources import path_key
from spcopilot.diagnostics.text import LineIndex

RULE = "spcomp"
_QUOTED = re.compile(r'"([A-Za-z_][A-Za-z0-9_:.]*)"')

# A file's text by path (open buffer or disk), None when unreadable.
ReadText = Callable[[str], "bytes | None"]


def is_compiler_finding(diagnostic: Diagnostic) -> bool:
    return diagnostic.rule == RULE


def to_diagnostics(messages: Iterable[CompilerMessage], read_text: ReadText) -> list[Diagnostic]:
    """Diagnostics on the files the messages name (repeats of the same message dropped)."""
    found: list[Diagnostic] = []
    seen: set[tuple[str, int, int, str]] = set()
    read = _remembered(read_text)
    indexes: dict[str, LineIndex] = {}
    for m in messages:
        key = (m.path, m.line, m.number, m.text)
        if key in seen:
            continue
        seen.add(key)
        source = read(m.path) or b""
        index = indexes.get(m.path) or indexes.setdefault(m.path, LineIndex(source))
        start, end = _line_span(source, index, m.line, m.end_line)
        found.append(Diagnostic(m.code, RULE, m.severity, m.text, start, end, index.range(start, end), path=m.path))
    return found


def _line_span(source: bytes, index: LineIndex, first: int, last: int) -> tuple[int, int]:
    """Byte span of 1-based lines first..last (clamped to the file) without their surrounding
    blanks."""
    starts = index.line_starts
    first = max(1, min(first, len(starts)))
    last = max(first, min(last, len(starts)))

    def line(number: int) -> bytes:
        end = starts[number] - 1 if number < len(starts) else len(source)
        return source[starts[number - 1] : end]

    start_line, end_line = line(first), line(last)
    start = starts[first - 1] + (len(start_line) - len(start_line.lstrip()))
    end = starts[last - 1] + len(end_line.rstrip())
    return (start, end) if end >= start else (start, start)


def _remembered(read_text: ReadText) -> ReadText:
    """`read_text` that reads each file once."""
    texts: dict[str, bytes | None] = {}

    def read(path: str) -> bytes | None:
        if path not in texts:
            texts[path] = read_text(path)
        return texts[path]

    return read


def without_duplicates(
    compiler: Sequence[Diagnostic], ours: Sequence[Diagnostic], read_text: ReadText
) -> list[Diagnostic]:
    """The compiler's findings minus those one of ours already reports (see the module doc)."""
    kept = []
    read = _remembered(read_text)
    for c in compiler:
        names = set(_QUOTED.findall(c.message))
        if not names or not any(_same_finding(c, o, names, read) for o in ours):
            kept.append(c)
    return kept


def _same_finding(c: Diagnostic, o: Diagnostic, names: set[str], read_text: ReadText) -> bool:
    if o.path and c.path and path_key(o.path) != path_key(c.path):
        return False
    if not c.range.start.line <= o.range.start.line <= c.range.end.line:
        return False
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", o.message))
    if names & words:
        return True
    source = read_text(c.path) or b""
    covered = source[o.start_byte : o.end_byte].decode("utf-8", "replace")
    return bool(names & set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", covered)))


def merged(ours: Sequence[Diagnostic], compiler: Sequence[Diagnostic], read_text: ReadText) -> list[Diagnostic]:
    """Ours and the compiler's that ours do not already say, by line (ours first on a line)."""
    result = list(ours) + without_duplicates(compiler, ours, read_text)
    return sorted(result, key=lambda d: (d.range.start.line, is_compiler_finding(d), d.start_byte))
