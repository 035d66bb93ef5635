"""The workspace as the language server sees it, without LSP: open documents, the configuration
(`.spcopilot.toml` under the client's settings), the linter and its include indexes, and the
lint results of every file, cached per document version. Each open document keeps an
incremental lint session (diagnostics/incremental.py), so a keystroke re-checks only what it
touched; what changes without an edit (the include scope after an include file changed on
disk, the configuration) the session notices itself.

The LSP layer calls these methods from its handlers; unit tests call them directly.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from spcopilot.diagnostics.compiler import CompileCheck
from spcopilot.diagnostics.config import CONFIG_FILENAME, Config, discover
from spcopilot.diagnostics.document import Document, TextChange
from spcopilot.diagnostics.errors import SpcopilotError
from spcopilot.diagnostics.include_index import IncludeIndex, Scope
from spcopilot.diagnostics.include_symbols import IncludeRef
from spcopilot.diagnostics.incremental import IncrementalLint
from spcopilot.diagnostics.linter import Linter
from spcopilot.diagnostics.model import Diagnostic
from spcopilot.diagnostics.parsing import parse
from spcopilot.diagnostics.semantic import Workspace
from spcopilot.diagnostics.semantic.workspace import read_only_predicate
from spcopilot.diagnostics.semantics import FileModel
from spcopilot.diagnostics.sources import path_key, read_source
from spcopilot.diagnostics.text import LineIndex
from spcopilot.server.budget import (
    AnalysisStopped,
    Budget,
    analysis_budget,
    analysis_notice,
    cancelled,
    over_budget_message,
)
from spcopilot.server.compiled import CompilerFindings
from spcopilot.server.features.view import DocumentView
from spcopilot.server.runtime_logs import RuntimeLogs
from spcopilot.server.settings import ServerSettings, engine_config, parse_server_settings, unwrap

log = logging.getLogger(__name__)

SKIP_FOLDERS = frozenset({"node_modules", "compiled", "__pycache__", "build", "dist"})
MAX_WORKSPACE_FILES = 5000


@dataclass(slots=True)
class OpenDocument:
    uri: str
    document: Document
    view: DocumentView | None = None
    view_key: tuple[int | None, int] | None = None
    diagnostics: list[Diagnostic] | None = None
    diagnostics_key: tuple[int | None, int] | None = None
    reported_skip: bool = False
    session: IncrementalLint = field(default_factory=IncrementalLint)
    stopped: tuple[int | None, str] | None = None  # (version, why) its lint was stopped at


@dataclass(frozen=True, slots=True)
class Quarantine:
    """A document the supervisor saw take the server down: not parsed at `version` (or at any
    version, when `sticky`), so the next server lives."""

    version: int | None
    sticky: bool
    reason: str


@dataclass(slots=True)
class FileResult:
    """Lint results of a file that is not open (the background workspace lint)."""

    path: Path
    mtime_ns: int
    source: bytes
    diagnostics: list[Diagnostic] = field(default_factory=list)


class Project:
    def __init__(self, root: Path | None = None, client_settings: object = None) -> None:
        self.root = root
        self.client_values: dict[str, Any] = {}
        self.settings = ServerSettings()
        self.file_config = Config()
        self.config = Config()
        self.linter = Linter(self.config)
        self.generation = 0  # bumped whenever results may change without an edit
        self.documents: dict[str, OpenDocument] = {}
        self.quarantined: dict[str, Quarantine] = {}
        self.files: dict[Path, FileResult] = {}
        self._index_by_folder: dict[Path | None, IncludeIndex] = {}
        self.compile_check = CompileCheck()
        self.compiled = CompilerFindings()
        self.workspace = self._new_workspace()
        self.runtime = RuntimeLogs()
        self.configure(client_settings, strict=False)

    # -- configuration ---------------------------------------------------------------------------
    def configure(self, client_settings: object = None, strict: bool = True) -> None:
        """Apply client settings (None: keep the current ones) over `.spcopilot.toml`. On an
        invalid value the previous configuration stays and the error is raised (logged when
        not `strict`)."""
        try:
            values = self.client_values if client_settings is None else unwrap(client_settings)
            settings = parse_server_settings(values)
            file_config = discover(self.root) if self.root is not None and self.root.is_dir() else Config()
            config = engine_config(file_config, values, self.root)
            linter = Linter(config, cache_dir=settings.cache_dir)
            if config.game_dir is not None:
                linter.events  # noqa: B018 - read the game's events now: a bad game-dir is a settings error
        except SpcopilotError as error:
            if strict:
                raise
            log.warning("configuration: %s", error)
            return
        if (settings, file_config, config) == (self.settings, self.file_config, self.config) and self.generation:
            self.client_values = values
            return
        self.client_values, self.settings, self.file_config, self.config = values, settings, file_config, config
        self.linter = linter
        workspace = [self.root] if self.root is not None else []
        self.compile_check = CompileCheck(config, timeout=settings.compile_timeout, workspace=workspace)
        self.compiled.clear()
        self._follow_logs(settings, config)
        self._index_by_folder.clear()
        self.files.clear()
        self.workspace = self._new_workspace()
        self.generation += 1
        for doc in list(self.documents.values()):
            doc.document.parse_limit = settings.max_file_bytes

    def _new_workspace(self) -> Workspace:
        """The semantic model's workspace index (definition, references, rename...)."""
        return Workspace(
            lambda path: self.index_for(path), self.root, read_only_predicate(self.config.include_dirs), self._spared
        )

    def _spared(self, path: str) -> bool:
        """A file the supervisor quarantined: not parsed from disk either (it took the server down)."""
        return any(
            (doc := self.documents.get(uri)) is not None and doc.document.path == path for uri in self.quarantined
        )

    def _follow_logs(self, settings: ServerSettings, config: Config) -> None:
        """The error logs of setting `error-logs` (relative to the workspace root)."""
        base = self.root or Path.cwd()
        logs = [p if p.is_absolute() else base / p for p in settings.error_logs]
        self.runtime.configure(logs, [self.root] if self.root is not None else [], config)

    def config_file(self) -> Path | None:
        return self.file_config.source

    # -- documents -------------------------------------------------------------------------------
    def open(self, uri: str, path: str, text: str, version: int | None, encoding: str = "utf-16") -> Document:
        document = Document(text, version, path, encoding, parse_limit=self.settings.max_file_bytes)
        self.documents[uri] = OpenDocument(uri, document)
        return document

    def change(self, uri: str, changes: Iterable[TextChange], version: int | None) -> Document | None:
        doc = self.documents.get(uri)
        if doc is None:
            return None
        doc.document.apply(changes, version)
        return doc.document

    def close(self, uri: str) -> None:
        doc = self.documents.pop(uri, None)
        self.quarantined.pop(uri, None)
        if doc is not None:
            self.workspace.close(doc.document.path or "<document>")

    def quarantine(self, uri: str, version: int | None, sticky: bool, reason: str) -> None:
        self.quarantined[uri] = Quarantine(version, sticky, reason)

    def halted(self, uri: str) -> str | None:
        """Why an open document's current text is not analysed beyond the text (quarantined
        by the supervisor, or its lint stopped over budget), or None."""
        doc = self.documents.get(uri)
        if doc is None:
            return None
        version = doc.document.version
        quarantine = self.quarantined.get(uri)
        if quarantine is not None:
            if quarantine.sticky or quarantine.version == version:
                return f"spcopilot does not analyse this file: {quarantine.reason}"
            del self.quarantined[uri]
        if doc.stopped is not None and doc.stopped[0] == version:
            return doc.stopped[1]
        return None

    def document(self, uri: str) -> Document | None:
        doc = self.documents.get(uri)
        return doc.document if doc else None

    def skip_reason(self, uri: str) -> str | None:
        """Why an open document is not analysed (reported once per document), or None."""
        doc = self.documents.get(uri)
        if doc is None:
            return None
        reason = doc.document.skip_reason
        if reason is None:
            doc.reported_skip = False
            return None
        if doc.reported_skip:
            return None
        doc.reported_skip = True
        return reason

    # -- analysis --------------------------------------------------------------------------------
    def diagnostics(self, uri: str, cancel: threading.Event | None = None) -> list[Diagnostic]:
        """The lint results of an open document's current text (cached per version). A parse or
        lint that runs past `analysis-timeout` is stopped: the document gets one information
        diagnostic instead, until its text changes. Raises AnalysisStopped (reason cancelled)
        when `cancel` is set meanwhile."""
        doc = self.documents.get(uri)
        if doc is None:
            return []
        key = (doc.document.version, self.generation)
        if doc.diagnostics is not None and doc.diagnostics_key == key and doc.document.version is not None:
            return doc.diagnostics
        halted = self.halted(uri)
        if halted is not None:
            return [analysis_notice(halted)]
        document = doc.document
        budget = analysis_budget(self.settings.analysis_timeout, cancel)
        try:
            tree = document.parsed(budget)
            found = (
                []
                if tree is None
                else self.lint(
                    document.source, document.path or None, tree, session=doc.session, lines=document.lines,
                    budget=budget,
                )
            )  # fmt: skip
        except AnalysisStopped as stop:
            if cancelled(stop):
                raise
            doc.stopped = (document.version, over_budget_message(self.settings.analysis_timeout))
            log.warning("%s: %s", document.path or uri, doc.stopped[1])
            return [analysis_notice(doc.stopped[1])]
        doc.diagnostics, doc.diagnostics_key = found, key
        return found

    def published(self, uri: str, cancel: threading.Event | None = None) -> list[Diagnostic]:
        """What the editor shows for an open document: our findings and the compiler's from
        the last compile (until the file changes)."""
        doc = self.documents.get(uri)
        ours = self.diagnostics(uri, cancel)
        if doc is None or not doc.document.path or self.halted(uri) is not None:
            return ours  # (a halted document is not parsed: the runtime errors' lines would need its tree)
        document = doc.document
        modified = _modified(os.stat(document.path).st_mtime_ns) if os.path.isfile(document.path) else None
        ours = self.runtime.merged_into(document.path, ours, document.source, document.tree, modified)
        return self.compiled.merged_into(document.path, ours, self.read)

    def published_file(self, path: Path) -> FileResult | None:
        """A closed file's lint result with the compiler's findings on it merged in."""
        result = self.lint_file(path)
        if result is None:
            return None
        ours = self.runtime.merged_into(str(path), result.diagnostics, result.source, None, _modified(result.mtime_ns))
        found = self.compiled.merged_into(str(path), ours, self.read)
        return result if found is result.diagnostics else replace(result, diagnostics=found)

    def lint(
        self,
        source: bytes,
        path: str | Path | None,
        tree: Any = None,
        *,
        session: IncrementalLint | None = None,
        lines: LineIndex | None = None,
        budget: Budget | None = None,
    ) -> list[Diagnostic]:
        """Lint a text as the file at `path` (with an open document's session: incrementally);
        a crashing rule or a bad include is logged, never raised at the editor."""
        try:
            return self.linter.lint_source(
                source, Path(path) if path else None, tree=tree, session=session, lines=lines, budget=budget
            )
        except AnalysisStopped:
            raise
        except SpcopilotError as error:
            log.warning("%s: %s", path or "<document>", error)
        except Exception:
            log.exception("linting %s failed", path or "<document>")
        return []

    def view(self, uri: str) -> DocumentView | None:
        """What the features see of an open document (cached per version)."""
        doc = self.documents.get(uri)
        if doc is None:
            return None
        key = (doc.document.version, self.generation)
        if doc.view is not None and doc.view_key == key and doc.document.version is not None:
            return doc.view
        quarantine = self.quarantined.get(uri)
        if quarantine is not None and (quarantine.sticky or quarantine.version == doc.document.version):
            return None
        document = doc.document
        path = document.path or None
        try:
            tree = document.parsed(analysis_budget(self.settings.analysis_timeout))
        except AnalysisStopped:
            doc.stopped = (document.version, over_budget_message(self.settings.analysis_timeout))
            log.warning("%s: %s", document.path or uri, doc.stopped[1])
            return None
        view = DocumentView(
            document.source,
            tree,
            document.path,
            self.config,
            document.lines,
            scope_of=self._scope_for(path),
            events=self._events(),
            workspace=self.workspace,
            version=document.version,
        )
        if doc.diagnostics_key == key and doc.diagnostics is not None:
            view.diagnostics = doc.diagnostics
        doc.view, doc.view_key = view, key
        return view

    def indexed_version(self, uri: str) -> tuple[bool, int | None]:
        """(whether the semantic workspace's index of an open document is of its current text,
        that version). Builds nothing, so another document's analysis thread may ask."""
        doc = self.documents.get(uri)
        if doc is None:
            return False, None
        version = doc.document.version
        is_open, indexed = self.workspace.open_version(doc.document.path or "<document>")
        return is_open and version is not None and indexed == version, version

    def view_with_diagnostics(self, uri: str) -> DocumentView | None:
        view = self.view(uri)
        if view is not None:
            view.diagnostics = self.diagnostics(uri)
        return view

    def _events(self) -> Any:
        try:
            return self.linter.events
        except SpcopilotError as error:
            log.warning("game events: %s", error)
        except Exception:
            log.exception("reading the game's events failed")
        return None

    # -- includes --------------------------------------------------------------------------------
    def index_for(self, path: str | Path | None) -> IncludeIndex:
        folder = Path(path).parent if path else None
        index = self._index_by_folder.get(folder)
        if index is None:
            index = self._index_by_folder[folder] = self.linter.index_for(Path(path) if path else None)
        return index

    def _scope_for(self, path: str | None) -> Any:
        def scope(model: FileModel) -> Scope | None:
            try:
                return self.index_for(path).scope(path, model.includes)
            except Exception:
                log.exception("include scope of %s failed", path or "<document>")
                return None

        return scope

    def resolve_include(self, path: str | None) -> Any:
        def resolve(name: str, system: bool) -> Path | None:
            return self.index_for(path).resolve(IncludeRef(name, system), Path(path) if path else None)

        return resolve

    def indexes(self) -> list[IncludeIndex]:
        """The include index of every folder we know of (open documents, workspace files and
        the configured include folders), each once."""
        folders: set[Path | None] = {
            Path(d.document.path).parent if d.document.path else None for d in list(self.documents.values())
        }
        folders |= {p.parent for p in self.files}
        if self.root is not None:
            folders.add(self.root)
        seen: dict[int, IncludeIndex] = {}
        for folder in folders:
            index = self.index_for(folder / "_.sp" if folder is not None else None)
            seen.setdefault(id(index), index)
        return list(seen.values())

    def file_changed(self, path: Path) -> bool:
        """An include or config file changed on disk: forget what depended on it. Returns True
        when the configuration was reloaded."""
        if path.name == CONFIG_FILENAME:
            self.configure(None)
            return True
        for index in {id(i): i for i in self._index_by_folder.values()}.values():
            index.invalidate(path)
        self.files.pop(path, None)
        self.workspace.forget(str(path))
        self.generation += 1
        return False

    def read(self, path: str) -> bytes | None:
        """A file's text: the editor's copy when it is open, else the disk's."""
        for doc in list(self.documents.values()):
            if doc.document.path == path:
                return doc.document.source
        try:
            return read_source(Path(path)).data
        except SpcopilotError:
            return None

    # -- the workspace ---------------------------------------------------------------------------
    def workspace_files(self) -> list[Path]:
        """The plugin sources (.sp) under the workspace root."""
        if self.root is None or not self.root.is_dir():
            return []
        found: list[Path] = []
        for folder, subfolders, names in os.walk(self.root):
            subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and d not in SKIP_FOLDERS)
            found += [Path(folder, n) for n in sorted(names) if n.endswith(".sp")]
            if len(found) >= MAX_WORKSPACE_FILES:
                log.info("more than %d .sp files under %s: linting the first ones only", MAX_WORKSPACE_FILES, self.root)
                return found[:MAX_WORKSPACE_FILES]
        return found

    def lint_file(self, path: Path) -> FileResult | None:
        """Lint a file from disk (cached by its modification time)."""
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            self.files.pop(path, None)
            return None
        cached = self.files.get(path)
        if cached is not None and cached.mtime_ns == mtime:
            return cached
        try:
            data = read_source(path).data
        except SpcopilotError as error:
            log.info("%s", error)
            return None
        if len(data) > self.settings.max_file_bytes:
            return None
        result = FileResult(path, mtime, data, self.lint(data, path, parse(data)))
        self.files[path] = result
        return result

    def uri_of(self, path: str | Path) -> str | None:
        """The uri of the open document at `path` (as the client wrote it), or None."""
        key = path_key(path)
        for uri, doc in list(self.documents.items()):
            if doc.document.path and path_key(doc.document.path) == key:
                return uri
        return None

    def is_open(self, path: Path) -> bool:
        text = str(path)
        return any(d.document.path == text for d in list(self.documents.values()))


def _modified(mtime_ns: int) -> datetime | None:
    try:
        return datetime.fromtimestamp(mtime_ns / 1e9)
    except (OverflowError, OSError, ValueError):
        return None
