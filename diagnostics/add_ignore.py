"""`spcopilot check --add-ignore`: a suppression comment for every current finding, so a large
codebase can adopt the linter and be held to it from now on (ruff's `--add-noqa`).

Each line with findings gets `// spcopilot: ignore[CODES]` at its end, or its codes added to
the suppression comment that already covers it. The line endings, a BOM and every other byte
stay as they were; running it again adds nothing. A line that ends in `\\` (a macro or string
continued on the next line) cannot take a comment at its end: its findings are left and counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from spcopilot.diagnostics.model import Diagnostic
from spcopilot.diagnostics.suppression import ALL, parse_suppressions
from spcopilot.diagnostics.text import LineIndex

# Findings that a suppression comment cannot or should not silence.
NOT_SUPPRESSIBLE = frozenset({"SPC801"})


@dataclass(frozen=True, slots=True)
class AddedIgnores:
    source: bytes
    added: int  # lines that got a new comment or more codes in theirs
    left: int  # findings on lines that cannot take a comment


def add_ignores(source: bytes, diagnostics: Iterable[Diagnostic]) -> AddedIgnores:
    lines = LineIndex(source)
    wanted: dict[int, set[str]] = {}
    for d in diagnostics:
        if d.code.startswith("SPC") and d.code not in NOT_SUPPRESSIBLE:
            wanted.setdefault(d.range.start.line, set()).add(d.code)
    if not wanted:
        return AddedIgnores(source, 0, 0)
    existing = parse_suppressions(source, lines)
    edits: list[tuple[int, int, bytes]] = []
    left = 0
    for line, codes in sorted(wanted.items()):
        comment = next(
            (c for c in existing.comments if not c.file and c.line == line and c.codes != (ALL,) and c.codes_span),
            None,
        )
        if comment is not None and comment.codes_span is not None:
            missing = sorted(codes - set(comment.codes))
            if missing:
                s, e = comment.codes_span
                edits.append((s, e, ", ".join([*comment.codes, *missing]).encode()))
            continue
        start, end = lines.line_starts[line], _line_end(source, lines, line)
        text = source[start:end]
        if not text.strip() or text.rstrip().endswith(b"\\"):
            left += len(codes)  # a comment there would silence the next line, or end the line early
            continue
        space = b"" if text[-1:] in (b" ", b"\t") else b" "
        edits.append((end, end, space + f"// spcopilot: ignore[{', '.join(sorted(codes))}]".encode()))
    out = bytearray(source)
    for s, e, text in sorted(edits, reverse=True):
        out[s:e] = text
    return AddedIgnores(bytes(out), len(edits), left)


def _line_end(source: bytes, lines: LineIndex, line: int) -> int:
    """The offset where the line's text ends: before its `\\n` or `\\r\\n`."""
    start = lines.line_starts[line]
    newline = source.find(b"\n", start)
    end = len(source) if newline < 0 else newline
    if end > start and source[end - 1 : end] == b"\r":
        end -= 1
    return end
