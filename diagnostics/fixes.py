"""Applying fixes: non-overlapping edits, safe ones by default, until the file is stable."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from spcopilot.diagnostics.model import Applicability, Diagnostic, Edit, Fix

MAX_ROUNDS = 10


@dataclass(frozen=True, slots=True)
class FixResult:
    source: bytes
    applied: tuple[Diagnostic, ...]
    rounds: int


def apply_edits(source: bytes, edits: Sequence[Edit]) -> bytes:
    """Apply edits that do not overlap (the caller guarantees it), from the end backwards."""
    out = source
    for e in sorted(edits, key=lambda e: (e.start_byte, e.end_byte), reverse=True):
        out = out[: e.start_byte] + e.new_text.encode("utf-8") + out[e.end_byte :]
    return out


def _span(fix: Fix) -> tuple[int, int]:
    return min(e.start_byte for e in fix.edits), max(e.end_byte for e in fix.edits)


def select_fixes(diagnostics: Iterable[Diagnostic], unsafe: bool = False) -> list[Diagnostic]:
    """Diagnostics whose fixes can be applied together: by position, skipping any fix whose
    edits overlap (or touch) one already chosen; the rest wait for the next round."""
    allowed = {Applicability.SAFE, Applicability.UNSAFE} if unsafe else {Applicability.SAFE}
    chosen: list[Diagnostic] = []
    taken: list[tuple[int, int]] = []
    candidates = [d for d in diagnostics if d.fix and d.fix.edits and d.fix.applicability in allowed]
    for d in sorted(candidates, key=lambda d: _span(d.fix)):  # type: ignore[arg-type]
        edits = d.fix.edits  # type: ignore[union-attr]
        if any(not (e.end_byte < s or e.start_byte > t) for e in edits for s, t in taken):
            continue
        chosen.append(d)
        taken += [(e.start_byte, e.end_byte) for e in edits]
    return chosen


def apply_fixes(source: bytes, diagnostics: Iterable[Diagnostic], unsafe: bool = False) -> tuple[bytes, list[Diagnostic]]:
    """One round: apply every fix that does not overlap another."""
    chosen = select_fixes(diagnostics, unsafe)
    return apply_edits(source, [e for d in chosen for e in d.fix.edits]), chosen  # type: ignore[union-attr]


def fix_until_stable(
    source: bytes, lint: Callable[[bytes], list[Diagnostic]], unsafe: bool = False
) -> FixResult:
    """Lint, apply the non-overlapping fixes, re-lint, until nothing changes (at most MAX_ROUNDS)."""
    applied: list[Diagnostic] = []
    rounds = 0
    while rounds < MAX_ROUNDS:
        fixed, chosen = apply_fixes(source, lint(source), unsafe)
        if not chosen or fixed == source:
            break
        rounds += 1
        applied += chosen
        source = fixed
    return FixResult(source, tuple(applied), rounds)
