"""An open document: its text, tree-sitter tree and line index, kept in sync with edits.

The editor sends a change as "replace this range with that text". `Document.apply` edits the
bytes, tells the old tree about the edit (`Tree.edit`) and updates the line starts without
rescanning the file; the tree is re-parsed lazily, from the edited old tree, the next time
someone asks for it, so a burst of keystrokes costs one incremental parse.

```python
doc = Document(b"int x;\\n", version=1)
doc.apply([TextChange("y", Position(0, 4), Position(0, 5))], version=2)
doc.tree.root_node          # parsed incrementally from the old tree
```

Positions are in the document's encoding ("utf-16", LSP's default, or "utf-8"); the engine
itself works on byte offsets.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from spcopilot.diagnostics.budget import Budget
from spcopilot.diagnostics.model import Position, Range
from spcopilot.diagnostics.parsing import parse
from spcopilot.diagnostics.sources import BINARY_SNIFF
from spcopilot.diagnostics.text import LineIndex
from tree_sitter import Point, Tree

# Above this size a document is kept in sync but not parsed (a generated or pasted blob, or a
# file opened by mistake); the biggest real plugins are a few hundred kilobytes.
DEFAULT_PARSE_LIMIT = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class TextChange:
    """Replace [start, end) with `text`; no range means the whole document is replaced."""

    text: str
    start: Position | None = None
    end: Position | None = None


class Document:
    __slots__ = ("_dirty", "_handed_out", "_tree", "encoding", "lines", "parse_limit", "path", "source", "version")

    def __init__(
        self,
        text: str | bytes,
        version: int | None = None,
        path: str = "",
        encoding: str = "utf-16",
        parse_limit: int = DEFAULT_PARSE_LIMIT,
    ) -> None:
        self.source = text.encode("utf-8", "replace") if isinstance(text, str) else text
        self.version = version
        self.path = path
        self.encoding = encoding
        self.parse_limit = parse_limit
        self.lines = LineIndex(self.source)
        self._tree: Tree | None = None
        self._dirty = True
        self._handed_out = False  # someone may hold `_tree`: edit a copy of it, never it

    # -- what the features read ----------------------------------------------------------------
    @property
    def skip_reason(self) -> str | None:
        """Why this document is not parsed (and so not linted), or None."""
        if len(self.source) > self.parse_limit:
            size = len(self.source) / (1024 * 1024)
            return f"is {size:.1f} MB, above the {self.parse_limit // (1024 * 1024)} MB limit for analysis"
        if b"\x00" in self.source[:BINARY_SNIFF]:
            return "looks like a binary file (NUL bytes), not SourcePawn source"
        return None

    @property
    def tree(self) -> Tree | None:
        """The parse tree of the current text (None when the document is not analysed)."""
        return self.parsed()

    def parsed(self, budget: Budget | None = None) -> Tree | None:
        """The tree, parsed under `budget` if it must be parsed now (AnalysisStopped when the
        budget stops it: the next call parses again)."""
        if self._dirty:
            if self.skip_reason is not None:
                self._tree = None
            else:
                self._tree = parse(self.source, self._tree, budget=budget)
            self._dirty = False
        self._handed_out = True
        return self._tree

    @property
    def text(self) -> str:
        return self.source.decode("utf-8", "replace")

    def offset(self, position: Position) -> int:
        """Byte offset of a position (clamped into the document)."""
        return self.lines.offset(position.line, position.character, self.encoding)

    def position(self, offset: int) -> Position:
        return self.lines.position(offset, self.encoding)

    def range(self, start: int, end: int) -> Range:
        return self.lines.range(start, end, self.encoding)

    # -- edits ---------------------------------------------------------------------------------
    def apply(self, changes: Iterable[TextChange], version: int | None = None) -> None:
        """Apply the changes in order (each one's range refers to the text the previous left)."""
        for change in changes:
            if change.start is None or change.end is None:
                self._replace_all(change.text)
            else:
                self._edit(change)
        if version is not None:
            self.version = version

    def _replace_all(self, text: str) -> None:
        self.source = text.encode("utf-8", "replace")
        self.lines = LineIndex(self.source)
        self._tree = None  # nothing of the old tree is worth reusing
        self._dirty = True

    def _edit(self, change: TextChange) -> None:
        assert change.start is not None and change.end is not None
        start = self.offset(change.start)
        old_end = max(start, self.offset(change.end))
        inserted = change.text.encode("utf-8", "replace")
        old_lines = self.lines
        start_point = _point(old_lines, start)
        old_end_point = _point(old_lines, old_end)
        self.source = self.source[:start] + inserted + self.source[old_end:]
        self.lines = _updated_lines(old_lines, self.source, start, old_end, inserted)
        new_end = start + len(inserted)
        if self._tree is not None:
            if self._handed_out:  # a view of the old text (maybe on another thread) keeps its tree
                self._tree = self._tree.copy()
                self._handed_out = False
            self._tree.edit(start, old_end, new_end, start_point, old_end_point, _point(self.lines, new_end))
        self._dirty = True


def _point(lines: LineIndex, offset: int) -> Point:
    line = lines.line_of(offset)
    return Point(line, offset - lines.line_starts[line])


def _updated_lines(old: LineIndex, source: bytes, start: int, old_end: int, inserted: bytes) -> LineIndex:
    """The line index after replacing [start, old_end) with `inserted`, without rescanning the
    file: line starts after a newline inside the replaced span go, the inserted text's come in,
    the ones after the edit shift."""
    starts = old.line_starts
    first = bisect_right(starts, start)
    last = bisect_right(starts, old_end)
    new = []
    i = inserted.find(b"\n")
    while i != -1:
        new.append(start + i + 1)
        i = inserted.find(b"\n", i + 1)
    delta = len(inserted) - (old_end - start)
    tail = starts[last:]
    if delta:
        tail = [s + delta for s in tail]
    return LineIndex.from_starts(source, starts[:first] + new + tail)
