"""Compiler messages as the engine's plain diagnostics, and merged with ours.

- Code `spcomp-NNN` (the compiler's number), rule `spcomp`, severity error for `error` and
  `fatal error`, warning for `warning`.
- Every message the compiler printed is a finding, repeats included: four `tag mismatch` on
  one line are four (1.11+ tell them apart by the caret's column; 1.10 prints no column).
- With a caret (1.11+) the range starts at the caret's column (the compiler's byte column,
  tabs counted as it prints them) and covers the token there: a name or number, a string
  literal, else one character (nothing past the line's end). Without one (1.10) the range
  covers the reported line(s), from the first non-blank character to the last. Lines past the
  end of the file (a fatal error at EOF) clamp to the last line; a file that cannot be read
  gets an empty range at its start.
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
from spcopilot.diagnostics.model import Diagnostic, Position, Range, Severity
from spcopilot.diagnostics.sources import path_key
from spcopilot.diagnostics.text import LineIndex

RULE = "spcomp"
PROBLEM_CODE = "spcomp"  # a compile without a verdict (see problem_diagnostic)
_WORD = re.compile(rb"[A-Za-z0-9_]+")
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_QUOTED = re.compile(r'"([A-Za-z_][A-Za-z0-9_:.]*)"')

# A file's text by path (open buffer or disk), None when unreadable.
ReadText = Callable[[str], "bytes | None"]


def is_compiler_finding(diagnostic: Diagnostic) -> bool:
    return diagnostic.rule == RULE


def to_diagnostics(messages: Iterable[CompilerMessage], read_text: ReadText) -> list[Diagnostic]:
    """Diagnostics on the files the messages name, one per message."""
    found: list[Diagnostic] = []
    read = _remembered(read_text)
    indexes: dict[str, LineIndex] = {}
    for m in messages:
        source = read(m.path) or b""
        index = indexes.get(m.path) or indexes.setdefault(m.path, LineIndex(source))
        if m.caret is not None and m.line == m.end_line:
            start, end = _caret_span(source, index, m.line, m.caret)
        else:
            start, end = _line_span(source, index, m.line, m.end_line)
        found.append(Diagnostic(m.code, RULE, m.severity, m.text, start, end, index.range(start, end), path=m.path))
    return found


def problem_diagnostic(path: str, problem: str) -> Diagnostic:
    """A compile that gave no verdict (crashed, timed out, printed garbage) as a finding on the
    plugin it was compiling: code `spcomp`, an error, at the file's start."""
    return Diagnostic(
        PROBLEM_CODE, RULE, Severity.ERROR, problem, 0, 0, Range(Position(0, 0), Position(0, 0)), path=path
    )


def is_compile_problem(diagnostic: Diagnostic) -> bool:
    return diagnostic.code == PROBLEM_CODE


def _caret_span(source: bytes, index: LineIndex, number: int, caret: int) -> tuple[int, int]:
    """Byte span of the token at the caret on 1-based line `number`: the caret is the width of
    the line before the column, one per byte and eight per tab (the compiler's own count)."""
    starts = index.line_starts
    number = max(1, min(number, len(starts)))
    line_start = starts[number - 1]
    line_end = starts[number] - 1 if number < len(starts) else len(source)
    line = source[line_start:line_end].rstrip(b"\r")
    offset, width = 0, 0
    while offset < len(line) and width < caret:
        width += 8 if line[offset] == 0x09 else 1
        offset += 1
    return line_start + offset, line_start + _token_end(line, offset)


def _token_end(line: bytes, offset: int) -> int:
    if offset >= len(line):
        return len(line)
    word = _WORD.match(line, offset)
    if word:
        return word.end()
    string = _STRING.match(line, offset)
    if string:
        return string.end()
    end = offset + 1
    while end < len(line) and 0x80 <= line[end] < 0xC0:  # the rest of a UTF-8 character
        end += 1
    return end


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
        if is_compile_problem(c) or not names or not any(_same_finding(c, o, names, read) for o in ours):
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
