"""Byte spans in any file of the workspace -> LSP-style ranges (plain data): the open document
from its own line index, other files from their text (the editor's copy when open)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from spcopilot.diagnostics.model import Range
from spcopilot.diagnostics.semantic import Decl
from spcopilot.diagnostics.text import LineIndex
from spcopilot.server.features.view import DocumentView

Reader = Callable[[str], bytes | None]


@dataclass(frozen=True, slots=True)
class Target:
    path: str
    range: Range


def read_file(path: str) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


class Positions:
    """Line indexes of the files one request touches (each read once)."""

    def __init__(self, view: DocumentView, encoding: str = "utf-16", read: Reader | None = None) -> None:
        self.view = view
        self.encoding = encoding
        self.read = read or read_file
        self._lines: dict[str, LineIndex | None] = {}

    def lines(self, path: str) -> LineIndex | None:
        if path == self.view.key:
            return self.view.lines
        if path not in self._lines:
            data = self.read(path)
            self._lines[path] = LineIndex(data) if data is not None else None
        return self._lines[path]

    def range(self, path: str, start: int, end: int) -> Range | None:
        lines = self.lines(path)
        return lines.range(start, end, self.encoding) if lines is not None else None

    def target(self, path: str, start: int, end: int) -> Target | None:
        found = self.range(path, start, end)
        return Target(path, found) if found is not None else None

    def of(self, decl: Decl) -> Target | None:
        """Where a declaration's name is."""
        return self.target(decl.path, decl.start, decl.end)
