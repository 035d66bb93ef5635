"""Top-level items of a file as the incremental engine keeps them between edits.

An item is a child of the tree's root: a function, a global, a directive, a comment, a
methodmap. `Item` holds what was learnt about one (its share of the file model, the findings of
the item-local rules) for as long as its text stays the same; `NodeRef` is a node inside it,
found again in each new tree by its offsets from the item's start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from spcopilot.diagnostics.model import Diagnostic, Edit, Fix, Position, Range
from spcopilot.diagnostics.semantics import FileModel, StaleNode
from tree_sitter import Node

if TYPE_CHECKING:
    from spcopilot.diagnostics.recording import Notes
    from spcopilot.diagnostics.rules.base import Rule


NO_FACTS = FileModel(b"")  # shared by every item that adds nothing to the model (never mutated)


@dataclass(eq=False, slots=True)
class Item:
    serial: int  # new for every new text: keys compare items by it
    kind: str
    start: int
    end: int
    ext_start: int  # the start of the item's first line
    ext_end: int  # the end of its last line, newline included
    line: int  # the line of ext_start
    node: Node  # in the current tree
    gen: int  # the lint that last set `node`
    # Error-free and its nodes can be found again: may be reused by the next lint.
    reusable: bool = True
    # NodeRefs found in `node` (emptied with each new tree: no old tree is kept alive).
    resolved: dict[NodeRef, Node] = field(default_factory=dict)
    facts: FileModel = field(default_factory=lambda: NO_FACTS)
    entries: dict[str, Entry] = field(default_factory=dict)  # rule code -> what it found here
    # Matches of the rules that are not item-local, kept for the lints that do not query the item.
    file_calls: list[tuple[str, NodeRef]] = field(default_factory=list)
    file_struct: list[tuple[int, dict[str, list[NodeRef]]]] = field(default_factory=list)
    # The entries' findings by phase (rebuilt when an entry changes).
    found: tuple[list[Diagnostic], list[Diagnostic], list[Diagnostic]] = field(default_factory=lambda: ([], [], []))
    stale: bool = False  # `found` needs rebuilding

    def rebuild(self) -> None:
        entries = self.entries.values()
        self.found = (
            [d for e in entries for d in e.calls],
            [d for e in entries for d in e.struct],
            [d for e in entries for d in e.scans],
        )
        self.stale = False

    def move(self, delta: int, lines: int) -> None:
        """The item now starts `delta` bytes and `lines` lines further on."""
        self.start += delta
        self.end += delta
        self.ext_start += delta
        self.ext_end += delta
        self.line += lines
        if self.entries and (delta or lines):
            for entry in self.entries.values():
                if entry.calls:
                    entry.calls = [shifted(d, delta, lines) for d in entry.calls]
                    self.stale = True
                if entry.struct:
                    entry.struct = [shifted(d, delta, lines) for d in entry.struct]
                    self.stale = True
                if entry.scans:
                    entry.scans = [shifted(d, delta, lines) for d in entry.scans]
                    self.stale = True


@dataclass(eq=False, slots=True)
class Entry:
    """One item-local rule's findings on one item, and what its checks read elsewhere."""

    item: Item
    rule: Rule
    notes: Notes
    calls: list[Diagnostic] = field(default_factory=list)
    struct: list[Diagnostic] = field(default_factory=list)
    scans: list[Diagnostic] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.calls or self.struct or self.scans)

    def inside(self, start: int, end: int) -> bool:
        """Do all its findings (fix edits too) lie in [start, end]?"""
        for d in (*self.calls, *self.struct, *self.scans):
            if not (start <= d.start_byte and d.end_byte <= end):
                return False
            if d.fix is not None and not all(start <= e.start_byte and e.end_byte <= end for e in d.fix.edits):
                return False
        return True


class NodeRef:
    """A node of an item: the `skip`-th node of its kind among those spanning exactly its bytes,
    counting up from the innermost (nodes may share a span, e.g. an expression statement's call
    without the semicolon)."""

    __slots__ = ("end", "item", "kind", "skip", "start")

    def __init__(self, item: Item, node: Node) -> None:
        self.item = item
        self.start = node.start_byte - item.start
        self.end = node.end_byte - item.start
        self.kind = node.type
        item.resolved[self] = node
        self.skip = _rank(item.node, node) if item.reusable else -1
        if self.skip < 0:
            item.reusable = False

    def resolve(self) -> Node:
        item = self.item
        node = item.resolved.get(self)
        if node is None:
            start = item.start + self.start
            node = item.resolved[self] = _find(item.node, start, item.start + self.end, self.kind, self.skip)
        return node


def _rank(root: Node, node: Node) -> int:
    start, end, kind = node.start_byte, node.end_byte, node.type
    found: Node | None = root.descendant_for_byte_range(start, end)
    rank = 0
    while found is not None and found.start_byte == start and found.end_byte == end:
        if found == node:
            return rank
        if found.type == kind:
            rank += 1
        found = found.parent
    return -1


def _find(root: Node, start: int, end: int, kind: str, rank: int) -> Node:
    found: Node | None = root.descendant_for_byte_range(start, end)
    while found is not None and found.start_byte == start and found.end_byte == end:
        if found.type == kind:
            if rank == 0:
                return found
            rank -= 1
        found = found.parent
    raise StaleNode(f"no {kind} at {start}..{end}")


def shifted(d: Diagnostic, delta: int, lines: int) -> Diagnostic:
    """The same finding `delta` bytes and `lines` lines further on (columns unchanged)."""
    fix = d.fix
    if fix is not None:
        fix = Fix(
            fix.title,
            tuple(
                Edit(e.start_byte + delta, e.end_byte + delta, e.new_text, _moved(e.range, lines)) for e in fix.edits
            ),
            fix.applicability,
        )
    return Diagnostic(
        d.code,
        d.rule,
        d.severity,
        d.message,
        d.start_byte + delta,
        d.end_byte + delta,
        _moved(d.range, lines),
        fix,
        d.tags,
        d.path,
    )


def _moved(r: Range, lines: int) -> Range:
    if not lines:
        return r
    return Range(Position(r.start.line + lines, r.start.character), Position(r.end.line + lines, r.end.character))
