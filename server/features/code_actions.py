"""Code actions: each diagnostic's quick fix, "ignore this rule on this line", and fix-all.

All are plain byte edits of the document; the LSP layer turns them into a WorkspaceEdit the
user can undo. Nothing here touches a file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from spcopilot.diagnostics.fixes import fix_until_stable
from spcopilot.diagnostics.model import Applicability, Diagnostic
from spcopilot.diagnostics.suppression import suppression_comment
from spcopilot.diagnostics.text import LineIndex
from spcopilot.server.features.view import DocumentView

QUICKFIX = "quickfix"
FIX_ALL = "source.fixAll.spcopilot"
Edit = tuple[int, int, str]

_IGNORE_ON_LINE = re.compile(rb"//\s*spcopilot:\s*ignore\[([A-Za-z0-9_,\s]*)\]")


@dataclass(frozen=True, slots=True)
class Action:
    title: str
    kind: str
    edits: tuple[Edit, ...]
    diagnostics: tuple[Diagnostic, ...] = ()
    preferred: bool = False


def actions(
    view: DocumentView, start: int, end: int, only: Sequence[str] | None, lint: Callable[[bytes], list[Diagnostic]]
) -> list[Action]:
    """The actions for a range of the document (`only`: the kinds the client asked for)."""
    assert view.lines is not None
    out: list[Action] = []
    if wanted(QUICKFIX, only):
        touching = [d for d in view.diagnostics if d.start_byte <= end and d.end_byte >= start]
        out += quick_fixes(touching) + ignore_actions(touching, view.source, view.lines)
    if wanted(FIX_ALL, only):
        # (from the findings the editor shows: asked on every move of the cursor, it lints again
        # only when there is something to fix)
        fixed = fix_all(view.source, lint, view.diagnostics)
        out += [fixed] if fixed else []
    return out


def wanted(kind: str, only: Sequence[str] | None) -> bool:
    """Whether a kind is among the requested ones (kinds are hierarchical: asking for
    `source.fixAll` or `source` includes `source.fixAll.spcopilot`)."""
    return not only or any(kind == k or kind.startswith(k + ".") for k in only)


def quick_fixes(diagnostics: Iterable[Diagnostic]) -> list[Action]:
    """The fix each diagnostic carries (safe fixes are the preferred action)."""
    out = []
    for d in diagnostics:
        if d.fix is None or not d.fix.edits:
            continue
        safe = d.fix.applicability is Applicability.SAFE
        title = d.fix.title if safe else f"{d.fix.title} (unsafe: check the result)"
        out.append(
            Action(
                f"{d.code}: {title}",
                QUICKFIX,
                tuple((e.start_byte, e.end_byte, e.new_text) for e in d.fix.edits),
                (d,),
                safe,
            )
        )
    return out


def ignore_actions(diagnostics: Iterable[Diagnostic], source: bytes, lines: LineIndex) -> list[Action]:
    """ "Ignore SPCnnn on this line": a suppression comment at the end of the diagnostic's first
    line (or its code added to the one already there)."""
    out = []
    seen: set[tuple[str, int]] = set()
    for d in diagnostics:
        line = lines.line_of(d.start_byte)
        if (d.code, line) in seen:
            continue
        seen.add((d.code, line))
        out.append(Action(f"Ignore {d.code} on this line", QUICKFIX, (ignore_edit(source, lines, line, d.code),), (d,)))
    return out


def ignore_edit(source: bytes, lines: LineIndex, line: int, code: str) -> Edit:
    start = lines.line_starts[line]
    end = source.find(b"\n", start)
    end = len(source) if end == -1 else end
    if end > start and source[end - 1 : end] == b"\r":
        end -= 1
    text = source[start:end]
    existing = _IGNORE_ON_LINE.search(text)
    if existing is not None:
        codes = [c.strip() for c in existing.group(1).decode().split(",") if c.strip()]
        if code not in codes:
            codes.append(code)
        return (start + existing.start(1), start + existing.end(1), ", ".join(codes))
    trimmed = len(text.rstrip())
    return (start + trimmed, end, ("  " if trimmed else "") + suppression_comment(code))


def fix_all(
    source: bytes, lint: Callable[[bytes], list[Diagnostic]], found: list[Diagnostic] | None = None
) -> Action | None:
    """Every safe fix, applied until the file is stable, as one minimal edit (`found`: the
    findings of `source`, when known)."""
    result = fix_until_stable(source, lint, unsafe=False, found=found)
    if not result.applied or result.source == source:
        return None
    edit = minimal_edit(source, result.source)
    count = len(result.applied)
    return Action(f"Fix all auto-fixable problems ({count} fix{'es' if count != 1 else ''})", FIX_ALL, (edit,))


def minimal_edit(old: bytes, new: bytes) -> Edit:
    """One replacement turning `old` into `new`: the span between their common prefix and
    suffix, widened to whole UTF-8 characters."""
    limit = min(len(old), len(new))
    prefix = 0
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]:
        suffix += 1
    while 0 < prefix < len(old) and (old[prefix] & 0xC0) == 0x80:
        prefix -= 1
    while suffix > 0 and (old[len(old) - suffix] & 0xC0) == 0x80:
        suffix -= 1
    return (prefix, len(old) - suffix, new[prefix : len(new) - suffix].decode("utf-8", "replace"))
