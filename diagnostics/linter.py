"""A Linter holds what is shared between files: config, include index and event catalogue.

The CLI, the language server, the generation guard and the dataset sanitiser all lint
through one of these (or the `lint()` function it wraps).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path

from tree_sitter import Tree

from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.context import SymbolScope
from spcopilot.diagnostics.engine import lint
from spcopilot.diagnostics.include_index import IncludeIndex, find_include_dirs
from spcopilot.diagnostics.knowledge.events import EventCatalogue
from spcopilot.diagnostics.model import Diagnostic
from spcopilot.diagnostics.parsing import parse
from spcopilot.diagnostics.semantics import FileModel
from spcopilot.diagnostics.sources import read_source


class Linter:
    def __init__(self, config: Config | None = None, cache_dir: Path | None = None) -> None:
        self.config = config or Config()
        self.cache_dir = cache_dir
        self._indexes: dict[tuple[Path, ...], IncludeIndex] = {}

    @cached_property
    def events(self) -> EventCatalogue | None:
        """The user's own game events when a game directory is configured."""
        if self.config.game_dir is None:
            return None
        from spcopilot.diagnostics.knowledge.gamefiles import load_event_catalogue

        return load_event_catalogue(self.config.game_dir)

    def index_for(self, path: Path | None) -> IncludeIndex:
        """The include index for a file's include folders (configured + auto-detected), shared
        by every file with the same folders."""
        dirs = tuple(find_include_dirs(path, self.config.include_dirs))
        index = self._indexes.get(dirs)
        if index is None:
            index = self._indexes[dirs] = IncludeIndex(list(dirs), cache_dir=self.cache_dir)
        return index

    def scope_factory(self, path: Path | None) -> Callable[[FileModel], SymbolScope]:
        index = self.index_for(path)
        return lambda model: index.scope(path, model.includes)

    def lint_source(self, source: bytes | str, path: Path | str | None = None, tree: Tree | None = None) -> list[Diagnostic]:
        data = source.encode("utf-8") if isinstance(source, str) else source
        p = Path(path) if path else None
        tree = tree or parse(data)
        return lint(data, str(p or ""), self.config, tree=tree, scope=self.scope_factory(p), events=self.events)

    def lint_file(self, path: Path) -> list[Diagnostic]:
        return self.lint_source(read_source(path).data, path)
