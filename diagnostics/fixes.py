"""Applying fixes: non-overlapping edits, safe ones by default, until the file is stable."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from spcopilot.diagnostics.model import Applicability, Diagnostic, Edit, Fix

MAX_ROUNDS = 10
_BARE_LF = re.compile(r"(?<!\r)\n")


@dataclass(frozen=True, slots=True)
class FixResult:
    source: bytes
    applied: tuple[Diagnostic, ...]
    rounds: int


def with_line_ending(new_text: str, source: bytes, offset: int) -> str:
    """`new_text` with its bare `\\n` written as the line ending of the line holding `offset`
    (the last line's, when that one has none): a fix keeps a CRLF file CRLF, and in a file of
    mixed endings each inserted line takes the ending of the line it lands in. A `\\r\\n`
    already in the text (copied from the file) is kept as it is."""
    if "\n" not in new_text:
        return new_text
    newline = source.find(b"\n", offset)
    if newline == -1:
        newline = source.rfind(b"\n", 0, offset)
    if newline <= 0 or source[newline - 1] != 0x0D:
        return new_text
    return _BARE_LF.sub("\r\n", new_text)


def apply_edits(source: bytes, edits: Sequence[Edit]) -> bytes:
    """Apply edits that do not overlap (the caller guarantees it), in one pass."""
    parts: list[bytes] = []
    position = 0
    for e in sorted(edits, key=lambda e: (e.start_byte, e.end_byte)):
        parts.append(source[position : e.start_byte])
        parts.append(e.new_text.encode("utf-8"))
        position = e.end_byte
    parts.append(source[position:])
    return b"".join(parts)


class _Intervals:
    """Disjoint byte intervals taken by chosen fixes; touching counts as overlapping (two
    insertions at one offset would otherwise depend on order)."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def free(self, start: int, end: int) -> bool:
        i = bisect_right(self.starts, end)
        return i == 0 or self.ends[i - 1] < start

    def take(self, start: int, end: int) -> None:
        i = bisect_right(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)


def _span(fix: Fix) -> tuple[int, int]:
    return min(e.start_byte for e in fix.edits), max(e.end_byte for e in fix.edits)


def select_fixes(diagnostics: Iterable[Diagnostic], unsafe: bool = False) -> list[Diagnostic]:
    """Diagnostics whose fixes can be applied together: by position, skipping any fix whose
    edits overlap (or touch) one already chosen; the rest wait for the next round."""
    allowed = {Applicability.SAFE, Applicability.UNSAFE} if unsafe else {Applicability.SAFE}
    chosen: list[Diagnostic] = []
    taken = _Intervals()
    candidates = [d for d in diagnostics if d.fix and d.fix.edits and d.fix.applicability in allowed]
    for d in sorted(candidates, key=lambda d: _span(d.fix)):
        assert d.fix is not None
        edits = d.fix.edits
        if not all(taken.free(e.start_byte, e.end_byte) for e in edits):
            continue
        chosen.append(d)
        for e in edits:
            taken.take(e.start_byte, e.end_byte)
    return chosen


def apply_fixes(
    source: bytes, diagnostics: Iterable[Diagnostic], unsafe: bool = False
) -> tuple[bytes, list[Diagnostic]]:
    """One round: apply every fix that does not overlap another."""
    chosen = select_fixes(diagnostics, unsafe)
    return apply_edits(source, [e for d in chosen for e in d.fix.edits]), chosen


def fix_until_stable(
    source: bytes,
    lint: Callable[[bytes], list[Diagnostic]],
    unsafe: bool = False,
    found: list[Diagnostic] | None = None,
) -> FixResult:
    """Lint, apply the non-overlapping fixes, re-lint, until nothing changes (at most MAX_ROUNDS).
    `found`: the findings of `source` when they are known already (the first lint is skipped)."""
    applied: list[Diagnostic] = []
    rounds = 0
    while rounds < MAX_ROUNDS:
        fixed, chosen = apply_fixes(source, lint(source) if found is None else found, unsafe)
        found = None
        if not chosen or fixed == source:
            break
        rounds += 1
        applied += chosen
        source = fixed
    return FixResult(source, tuple(applied), rounds)
