"""Go to definition, declaration and type definition; the document outline and workspace
symbol search."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from spcopilot.diagnostics.include_index import INCLUDE_LINE
from spcopilot.diagnostics.include_symbols import Symbol
from spcopilot.diagnostics.model import Range
from spcopilot.diagnostics.semantic import Decl
from spcopilot.diagnostics.semantic import symbols as k
from spcopilot.diagnostics.text import LineIndex
from spcopilot.server.features.locations import Positions, Reader, Target, read_file
from spcopilot.server.features.view import DocumentView

_CONTAINERS = ("methodmap", "enum", "enum_struct")
_GLOBAL_CALLABLES = frozenset({k.FUNCTION, k.STOCK, k.NATIVE, k.FORWARD})


@dataclass(slots=True)
class OutlineItem:
    name: str
    kind: str  # the Symbol kind
    detail: str
    range: tuple[int, int]  # bytes of the whole declaration
    selection: tuple[int, int]  # bytes of its name
    children: list[OutlineItem] = field(default_factory=list)


def definition(
    view: DocumentView,
    offset: int,
    encoding: str = "utf-16",
    resolve_include: Callable[[str, bool], Path | None] | None = None,
    read: Reader | None = None,
) -> list[Target]:
    """Where the name (or the #include) under the cursor is declared; on a declaration, the
    declaration itself. `read(path)` gives the text of another file (the editor's copy when
    it is open)."""
    if not view.analysed:
        return []
    found = include_at(view, offset, resolve_include)
    if found is not None:
        return [Target(str(found), Range(*(2 * [view.lines.position(0)])))] if found else []
    decls = view.semantic.resolve_at(offset)[1]
    positions = Positions(view, encoding, read)
    return [t for t in (positions.of(d) for d in decls[:1]) if t is not None]


def declaration(view: DocumentView, offset: int, encoding: str = "utf-16", read: Reader | None = None) -> list[Target]:
    """The prototypes of a function (its forward or native declarations), else its definition."""
    if not view.analysed:
        return []
    _ref, decls = view.semantic.resolve_at(offset)
    if not decls:
        return []
    decl = decls[0]
    found = [decl]
    if decl.kind in _GLOBAL_CALLABLES:
        prototypes = [d for d in view.semantic.program.all_named(decl.name) if d.kind in (k.NATIVE, k.FORWARD)]
        found = prototypes or found
    positions = Positions(view, encoding, read)
    return [t for t in (positions.of(d) for d in found) if t is not None]


def type_definition(
    view: DocumentView, offset: int, encoding: str = "utf-16", read: Reader | None = None
) -> list[Target]:
    """The type of the variable, parameter, field, property or function under the cursor."""
    if not view.analysed:
        return []
    _, decls = view.semantic.resolve_at(offset)
    program = view.semantic.program
    for decl in decls[:1]:
        name = decl.parent if decl.kind == k.ENUM_MEMBER else decl.name if decl.is_type else decl.type
        found = program.type_decl(name) if name else None
        if found is not None:
            target = Positions(view, encoding, read).of(found)
            return [target] if target is not None else []
    return []


def include_at(
    view: DocumentView, offset: int, resolve_include: Callable[[str, bool], Path | None] | None
) -> Path | Literal[False] | None:
    """The file an `#include` line under the cursor names (False when it names none; None when
    the cursor is not on an include line)."""
    assert view.lines is not None
    line = view.lines.line_of(offset)
    line_start = view.lines.line_starts[line]
    line_end = view.source.find(b"\n", line_start)
    m = INCLUDE_LINE.match(view.source[line_start : len(view.source) if line_end == -1 else line_end])
    if m is None or resolve_include is None:
        return None
    found = resolve_include(m.group(3).decode("utf-8", "replace"), m.group(2) == b"<")
    return found if found is not None else False


def locate(
    symbol: Symbol, encoding: str, view: DocumentView | None = None, read: Callable[[str], bytes | None] | None = None
) -> Target | None:
    """The range of an include index symbol's name in its file (workspace symbols)."""
    if view is not None:
        source, lines = view.source, view.lines
    else:
        data = read(symbol.path) if read is not None else read_file(symbol.path)
        if data is None:
            return None
        source, lines = data, LineIndex(data)
    assert lines is not None
    start, end = _name_span(source, lines, symbol)
    return Target(symbol.path, lines.range(start, end, encoding))


def _name_span(source: bytes, lines: LineIndex, symbol: Symbol) -> tuple[int, int]:
    """An include index symbol's name on its line (the index keeps lines, not columns)."""
    if symbol.line >= lines.line_count:
        return len(source), len(source)
    line_start = lines.line_starts[symbol.line]
    line_end = source.find(b"\n", line_start)
    line_end = len(source) if line_end == -1 else line_end
    m = re.search(rb"\b" + re.escape(symbol.name.encode()) + rb"\b", source[line_start:line_end])
    if m is None:
        return line_start, line_start
    return line_start + m.start(), line_start + m.end()


# -- outline --------------------------------------------------------------------------------------
_NOT_OUTLINED = frozenset({k.GETTER, k.SETTER})
_OUTLINE_KIND = {k.FIELD: "property", k.MACRO: "define", k.STRUCT: "enum_struct", k.DESTRUCTOR: "method"}


def outline(view: DocumentView) -> list[OutlineItem]:
    """The document's declarations, members under their methodmap / enum / enum struct."""
    if not view.analysed:
        return []
    top: list[OutlineItem] = []
    containers: list[OutlineItem] = []
    for decl in sorted(view.semantic.index.decls, key=lambda d: d.start):
        if decl.kind in _NOT_OUTLINED or (
            decl.kind == k.DEFINE and decl.name.startswith("_") and decl.name.endswith("_included")
        ):
            continue
        item = OutlineItem(
            decl.name, _OUTLINE_KIND.get(decl.kind, decl.kind), _detail(decl), decl.span, (decl.start, decl.end)
        )
        while containers and containers[-1].range[1] <= decl.start:
            containers.pop()
        if containers and decl.parent == containers[-1].name:
            containers[-1].children.append(item)
        else:
            top.append(item)
        if decl.kind in _CONTAINERS or decl.kind == k.STRUCT:
            containers.append(item)
    return top


def _detail(decl: Decl) -> str:
    if decl.params or decl.kind in ("native", "stock", "forward", "function", "method"):
        return f"{decl.type} ({', '.join(decl.params)})".strip()
    return decl.type or decl.kind


# -- workspace symbols ----------------------------------------------------------------------------
def search_symbols(symbols: Iterable[Symbol], query: str, limit: int = 500) -> list[Symbol]:
    """Symbols whose name contains the query's characters in order (case-insensitive), best
    matches first: exact, prefix, substring, then scattered."""
    q = query.lower()
    scored: list[tuple[int, int, str, Symbol]] = []
    seen: set[tuple[str, str, int]] = set()
    for s in symbols:
        key = (s.name, s.path, s.line)
        if key in seen:
            continue
        name = s.name.lower()
        if not q:
            rank = 3
        elif name == q:
            rank = 0
        elif name.startswith(q):
            rank = 1
        elif q in name:
            rank = 2
        elif _subsequence(q, name):
            rank = 3
        else:
            continue
        seen.add(key)
        scored.append((rank, len(name), s.name, s))
    scored.sort(key=lambda t: t[:3])
    return [t[3] for t in scored[:limit]]


def _subsequence(needle: str, haystack: str) -> bool:
    it = iter(haystack)
    return all(ch in it for ch in needle)
