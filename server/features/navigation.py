"""Go to definition, the document outline and workspace symbol search."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from spcopilot.diagnostics.include_symbols import Symbol
from spcopilot.diagnostics.model import Range
from spcopilot.diagnostics.text import LineIndex
from spcopilot.server.features.resolve import symbols_at
from spcopilot.server.features.view import DocumentView
from tree_sitter import Node, Point

_INCLUDE_LINE = re.compile(rb'^\s*#\s*(?:try)?include\s*([<"])([^>"]+)[>"]')
_CONTAINERS = ("methodmap", "enum", "enum_struct")


@dataclass(frozen=True, slots=True)
class Target:
    path: str
    range: Range


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
    read: Callable[[str], bytes | None] | None = None,
) -> list[Target]:
    """Where the name (or the #include) under the cursor is declared. `read(path)` gives the
    text of another file (the editor's copy when it is open)."""
    if not view.analysed:
        return []
    line = view.lines.line_of(offset)
    line_start = view.lines.line_starts[line]
    line_end = view.source.find(b"\n", line_start)
    m = _INCLUDE_LINE.match(view.source[line_start : len(view.source) if line_end == -1 else line_end])
    if m and resolve_include is not None:
        found = resolve_include(m.group(2).decode("utf-8", "replace"), m.group(1) == b"<")
        zero = Range(*(2 * [view.lines.position(0)]))
        return [Target(str(found), zero)] if found else []
    _, _, symbols = symbols_at(view, offset)
    out = []
    for symbol in symbols:
        target = locate(symbol, encoding, view if symbol.path == view.path else None, read)
        if target is not None:
            out.append(target)
    return out


def locate(
    symbol: Symbol, encoding: str, view: DocumentView | None = None, read: Callable[[str], bytes | None] | None = None
) -> Target | None:
    """The range of a symbol's name in its file."""
    if view is not None:
        source, lines = view.source, view.lines
    else:
        data = read(symbol.path) if read is not None else _read(symbol.path)
        if data is None:
            return None
        source, lines = data, LineIndex(data)
    assert lines is not None
    start, end = _name_span(source, lines, symbol)
    return Target(symbol.path, lines.range(start, end, encoding))


def _read(path: str) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


def _name_span(source: bytes, lines: LineIndex, symbol: Symbol) -> tuple[int, int]:
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
def outline(view: DocumentView) -> list[OutlineItem]:
    """The document's declarations, members under their methodmap / enum / enum struct."""
    if not view.analysed or view.tree is None:
        return []
    root = view.tree.root_node
    lines = view.lines
    assert lines is not None
    top: list[OutlineItem] = []
    containers: dict[str, OutlineItem] = {}
    for symbol in view.own_symbols:
        if symbol.kind == "define" and symbol.name.startswith("_") and symbol.name.endswith("_included"):
            continue
        start, end = _name_span(view.source, lines, symbol)
        node = _declaration(root, start, end, lines)
        span = (node.start_byte, node.end_byte) if node is not None else (start, end)
        item = OutlineItem(symbol.name, symbol.kind, _detail(symbol), span, (start, end))
        parent = containers.get(symbol.parent) if symbol.parent else None
        if parent is not None and parent.range[0] <= start <= parent.range[1]:
            parent.children.append(item)
        else:
            top.append(item)
        if symbol.kind in _CONTAINERS:
            containers[symbol.name] = item
    return top


def _detail(symbol: Symbol) -> str:
    if symbol.params or symbol.kind in ("native", "stock", "forward", "function", "method"):
        return f"{symbol.return_type} ({', '.join(symbol.params)})".strip()
    return symbol.return_type or symbol.kind


def _declaration(root: Node, start: int, end: int, lines: LineIndex) -> Node | None:
    """The declaration node whose name is at [start, end)."""
    if start == end:
        return None
    line = lines.line_of(start)
    col = start - lines.line_starts[line]
    node = root.named_descendant_for_point_range(Point(line, col), Point(line, col + (end - start)))
    if node is None or node.type != "identifier":
        return None
    parent = node.parent
    if parent is not None and parent.type == "variable_declaration" and parent.parent is not None:
        parent = parent.parent
    return parent


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
