"""Byte offsets <-> (line, character) for UTF-16 (LSP default), UTF-8 and UTF-32 positions."""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate

from spcopilot.diagnostics.model import Position, Range

ENCODINGS = ("utf-16", "utf-8", "utf-32")


class LineIndex:
    """Line starts of a UTF-8 source, for converting tree-sitter byte offsets to positions."""

    __slots__ = ("_ascii", "_source", "line_starts")

    def __init__(self, source: bytes) -> None:
        self._source = source
        self._ascii = source.isascii()
        starts = [0]
        starts += accumulate(len(line) + 1 for line in source.split(b"\n")[:-1])
        self.line_starts = starts

    @classmethod
    def from_starts(cls, source: bytes, line_starts: list[int]) -> LineIndex:
        """An index whose line starts the caller already knows (an edited document's), without
        rescanning the source."""
        index = cls.__new__(cls)
        index._source = source
        index._ascii = source.isascii()
        index.line_starts = line_starts
        return index

    @property
    def line_count(self) -> int:
        return len(self.line_starts)

    def line_of(self, offset: int) -> int:
        return bisect_right(self.line_starts, offset) - 1

    def position(self, offset: int, encoding: str = "utf-16") -> Position:
        offset = max(0, min(offset, len(self._source)))
        # Not `self.line_of`: the incremental engine watches the line numbers rules put into
        # messages (diagnostics/recording.py), not the positions of the findings themselves.
        line = bisect_right(self.line_starts, offset) - 1
        start = self.line_starts[line]
        if self._ascii or encoding == "utf-8":
            return Position(line, offset - start)
        text = self._source[start:offset].decode("utf-8", "replace")
        if encoding == "utf-32":
            return Position(line, len(text))
        return Position(line, len(text.encode("utf-16-le")) // 2)

    def range(self, start: int, end: int, encoding: str = "utf-16") -> Range:
        return Range(self.position(start, encoding), self.position(end, encoding))

    def offset(self, line: int, character: int, encoding: str = "utf-16") -> int:
        """Byte offset of a position; positions past a line's end clamp to the end of that line
        (as LSP asks), lines past the end clamp to the end of the source."""
        if line < 0:
            return 0
        if line >= len(self.line_starts):
            return len(self._source)
        start = self.line_starts[line]
        end = self.line_starts[line + 1] - 1 if line + 1 < len(self.line_starts) else len(self._source)
        if self._ascii or encoding == "utf-8":
            return min(start + max(character, 0), end)
        # Characters 0..character take at most 4 bytes each: decoding that much of the line is
        # the same as decoding all of it for them (a megabyte line cost ~0.1 s a position).
        text = self._source[start : min(end, start + 4 * (max(character, 0) + 1))].decode("utf-8", "replace")
        if encoding == "utf-16":
            units = text.encode("utf-16-le", "surrogatepass")
            if len(units) // 2 <= character:
                return end
            # the characters before `character` code units (one cut in half counts whole)
            before = units[: 2 * max(character, 0)].decode("utf-16-le", "surrogatepass")
            return start + len(text[: len(before)].encode("utf-8"))
        return start + len(text[: max(character, 0)].encode("utf-8"))
