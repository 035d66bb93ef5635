"""Find references (across the workspace) and document highlight (in one file)."""

from __future__ import annotations

from dataclasses import dataclass

from spcopilot.diagnostics.model import Position, Range
from spcopilot.diagnostics.semantic import Decl, Occurrence
from spcopilot.diagnostics.semantic import symbols as k
from spcopilot.server.features.locations import Positions, Reader, Target
from spcopilot.server.features.view import DocumentView


@dataclass(frozen=True, slots=True)
class Highlight:
    start: int  # bytes
    end: int
    write: bool  # the declaration (or an assignment to it) rather than a read


def symbol_at(view: DocumentView, offset: int) -> Decl | None:
    """The declaration the name under the cursor stands for (a constructor's name is its
    methodmap's: one name, one symbol)."""
    if not view.analysed:
        return None
    _, decls = view.semantic.resolve_at(offset)
    if not decls:
        return None
    return named_symbol(view, decls[0])


def named_symbol(view: DocumentView, decl: Decl) -> Decl:
    if decl.kind in (k.CONSTRUCTOR, k.DESTRUCTOR):
        owner = view.semantic.program.type_decl(decl.parent)
        if owner is not None:
            return owner
    return decl


def references(
    view: DocumentView,
    offset: int,
    include_declaration: bool = True,
    encoding: str = "utf-16",
    read: Reader | None = None,
) -> list[Target]:
    decl = symbol_at(view, offset)
    if decl is None or view.workspace is None:
        return []
    positions = Positions(view, encoding, read)
    found = view.workspace.references(decl, include_declaration)
    ref = view.semantic.ref_at(offset)
    if ref is None or ref.role != k.THIS:  # `this` counts as its type only when asked from a `this`
        found = [o for o in found if not o.keyword]
    return [t for t in (place(positions, o) for o in found) if t is not None]


def place(positions: Positions, o: Occurrence) -> Target | None:
    """An occurrence as a range: from its line and column when its file is ASCII and not the
    open document (no need to read it), else through the file's text."""
    if o.ascii and o.line >= 0 and o.path != positions.view.key:
        width = o.end - o.start
        return Target(o.path, Range(Position(o.line, o.column), Position(o.line, o.column + width)))
    return positions.target(o.path, o.start, o.end)


def highlights(view: DocumentView, offset: int) -> list[Highlight]:
    decl = symbol_at(view, offset)
    if decl is None or view.workspace is None:
        return []
    model = view.semantic
    return [
        Highlight(r.start, r.end, r.role == k.DECLARATION or _assigned(view.source, r.end))
        for r in view.workspace.refs_in(model, decl)
    ]


def _assigned(source: bytes, end: int) -> bool:
    """`name =` (not `==`), `name +=`, `name++`: the reference writes the variable."""
    rest = source[end : end + 4].lstrip(b" \t")
    if rest[:2] in (b"++", b"--"):
        return True
    if rest[:1] == b"=" and rest[1:2] != b"=":
        return True
    return len(rest) > 1 and rest[1:2] == b"=" and rest[:1] in b"+-*/%&|^" and rest[2:3] != b"="
