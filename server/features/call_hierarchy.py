"""Call hierarchy: the function under the cursor, who calls it (incoming, across the
workspace) and what it calls (outgoing). A function passed as a callback (`CreateTimer(1.0,
Timer_Check)`) counts as called where it is passed."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from spcopilot.diagnostics.semantic import Decl, SemanticModel, Workspace
from spcopilot.diagnostics.semantic import symbols as k

CALLABLE = frozenset({k.FUNCTION, k.STOCK, k.NATIVE, k.FORWARD, k.METHOD, k.CONSTRUCTOR, k.DESTRUCTOR})
_WITH_BODY = frozenset({k.FUNCTION, k.STOCK, k.METHOD, k.CONSTRUCTOR, k.DESTRUCTOR, k.GETTER, k.SETTER})


@dataclass(slots=True)
class Call:
    """A caller (incoming) or a callee (outgoing), with where the calls are (bytes, in the
    caller's file)."""

    decl: Decl
    spans: list[tuple[int, int]] = field(default_factory=list)
    path: str = ""  # the file the spans are in


def prepare(model: SemanticModel, offset: int) -> Decl | None:
    _, decls = model.resolve_at(offset)
    return decls[0] if decls and decls[0].kind in CALLABLE else None


def find(workspace: Workspace, path: str, name_start: int) -> Decl | None:
    """An item handed back by the editor: the callable whose name starts there."""
    summary = workspace.summary_of(path)
    for d in summary.decls if summary is not None else ():
        if d.start == name_start and d.kind in CALLABLE:
            return d
    return None


def incoming(workspace: Workspace, decl: Decl) -> list[Call]:
    calls: dict[tuple[str, int], Call] = {}
    bodies: dict[str, list[Decl]] = {}
    for occurrence in workspace.references(decl, include_declaration=False):
        if occurrence.path not in bodies:
            summary = workspace.summary_of(occurrence.path)
            bodies[occurrence.path] = with_bodies(summary.decls if summary is not None else [])
        caller = enclosing(bodies[occurrence.path], occurrence.start)
        if caller is None:
            continue
        call = calls.setdefault((occurrence.path, caller.start), Call(caller, path=occurrence.path))
        call.spans.append((occurrence.start, occurrence.end))
    return list(calls.values())


def outgoing(workspace: Workspace, decl: Decl) -> list[Call]:
    model = workspace.model(decl.path)
    if model is None:
        return []
    start, end = decl.span
    calls: dict[tuple[str, int], Call] = {}
    for ref in model.refs:
        if ref.start < start or ref.start >= end or ref.role in (k.DECLARATION, k.THIS):
            continue
        found = model.resolve(ref)
        if not found or found[0].kind not in CALLABLE:
            continue
        callee = found[0]
        call = calls.setdefault(callee.key, Call(callee, path=decl.path))
        call.spans.append((ref.start, ref.end))
    return list(calls.values())


def with_bodies(decls: list[Decl]) -> list[Decl]:
    """The functions and methods among a file's declarations, in file order."""
    return sorted((d for d in decls if d.kind in _WITH_BODY), key=lambda d: d.span[0])


def enclosing(bodies: list[Decl], offset: int) -> Decl | None:
    """The function or method (of `with_bodies`) whose body holds `offset`."""
    i = bisect_right([d.span[0] for d in bodies], offset) - 1
    while i >= 0:
        d = bodies[i]
        if d.span[0] <= offset < d.span[1]:
            return d
        i -= 1
    return None
