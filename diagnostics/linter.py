"""A Linter holds what is shared between files: config, include index and event catalogue.

The CLI, the language server, the generation guard and the dataset sanitiser all lint
through one of these (or the `lint()` function it wraps).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from spcopilot.diagnostics.budget import Budget
from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.context import SymbolScope
from spcopilot.diagnostics.engine import CONFIG_SUFFIXES, lint, lint_config
from spcopilot.diagnostics.fragments import FragmentParents
from spcopilot.diagnostics.include_index import IncludeIndex, Symbol, find_include_dirs
from spcopilot.diagnostics.incremental import IncrementalLint
from spcopilot.diagnostics.knowledge.events import EventCatalogue
from spcopilot.diagnostics.lazy import cached_property
from spcopilot.diagnostics.model import Diagnostic
from spcopilot.diagnostics.parsing import parse
from spcopilot.diagnostics.semantics import FileModel, build_model
from spcopilot.diagnostics.sources import read_source
from spcopilot.diagnostics.text import LineIndex
from tree_sitter import Tree


class Linter:
    def __init__(self, config: Config | None = None, cache_dir: Path | None = None) -> None:
        self.config = config or Config()
        self.cache_dir = cache_dir
        self._indexes: dict[tuple[Path, ...], IncludeIndex] = {}
        self._fragments = FragmentParents()
        self._dirs: dict[Path | None, tuple[Path, ...]] = {}
        self._plugin_scopes: dict[Path, tuple[float, CombinedScope]] = {}

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
        folder = path.parent if path is not None else None
        dirs = self._dirs.get(folder)
        if dirs is None:
            dirs = self._dirs[folder] = tuple(find_include_dirs(path, self.config.include_dirs))
        index = self._indexes.get(dirs)
        if index is None:
            index = self._indexes[dirs] = IncludeIndex(list(dirs), cache_dir=self.cache_dir)
        return index

    def scope_factory(self, path: Path | None) -> Callable[[FileModel], SymbolScope]:
        index = self.index_for(path)

        def scope(model: FileModel) -> SymbolScope:
            own = index.scope(path, model.includes)
            if path is None or b"myinfo" in model.source:
                return own
            parents = self._fragments.parents_of(path)
            if not parents:
                return own
            return CombinedScope([own, *(self._plugin_scope(p) for p in parents)])

        return scope

    def _plugin_scope(self, plugin: Path) -> SymbolScope:
        """What a plugin that includes a part file defines: its own names and its includes'
        (cached by the plugin's modification time)."""
        try:
            mtime = plugin.stat().st_mtime
        except OSError:
            return CombinedScope([])
        cached = self._plugin_scopes.get(plugin)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        source = read_source(plugin).data
        model = build_model(parse(source), source)
        scope = CombinedScope([self.index_for(plugin).scope(plugin, model.includes)], names=model.defined)
        self._plugin_scopes[plugin] = (mtime, scope)
        return scope

    def lint_source(
        self,
        source: bytes | str,
        path: Path | str | None = None,
        tree: Tree | None = None,
        *,
        session: IncrementalLint | None = None,
        lines: LineIndex | None = None,
        budget: Budget | None = None,
    ) -> list[Diagnostic]:
        """Lint a text as the file at `path`. With a `session` (one per open document), only
        what changed since the session's last lint is checked again: same result, faster.
        `budget`: see engine.lint (AnalysisStopped when it runs out)."""
        data = source.encode("utf-8") if isinstance(source, str) else source
        p = Path(path) if path else None
        tree = tree or parse(data, budget=budget)
        scope, events = self.scope_factory(p), self.events
        if session is not None:
            return session.lint(
                data, tree, str(p or ""), self.config, scope=scope, events=events, lines=lines, budget=budget
            )
        return lint(data, str(p or ""), self.config, tree=tree, scope=scope, events=events, lines=lines, budget=budget)

    def lint_file(self, path: Path) -> list[Diagnostic]:
        data = read_source(path).data
        if is_config_file(path):
            return lint_config(data, str(path), self.config)
        return self.lint_source(data, path)


class CombinedScope:
    """Several scopes (and extra names) seen as one."""

    def __init__(self, scopes: list[SymbolScope], names: set[str] | None = None) -> None:
        self._scopes = scopes
        self._names = names or set()

    def defines(self, name: str) -> bool:
        return name in self._names or any(s.defines(name) for s in self._scopes)

    def declarations(self, name: str) -> list[Symbol]:
        return [d for s in self._scopes for d in s.declarations(name)]

    @property
    def unresolved(self) -> list[str]:
        # A name only counts as unresolved if no scope could resolve its include.
        return [u for u in self._scopes[0].unresolved] if self._scopes else []


def is_config_file(path: Path) -> bool:
    """Config files get the credential scan instead of the SourcePawn rules."""
    return path.suffix.lower() in CONFIG_SUFFIXES
