"""The server object: the project, what the client can do, and the jobs around the handlers
(configuration, file watchers, background linting and indexing). `server.py` registers the
handlers on it.

Threads: the event loop runs the protocol, inline completion and compile on save, and keeps
its own copy of each open document's text (`texts`, never parsed). Everything that parses,
lints or reads the project runs on the analysis thread (analysis.py), which owns the project;
handlers hand it a function and await the answer (`on_document`, `analysis.ask`)."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcContentModified
from pygls.io_ import StdoutWriter, run_async
from pygls.lsp.server import LanguageServer
from spcopilot.diagnostics.document import Document, TextChange
from spcopilot.diagnostics.errors import SpcopilotError
from spcopilot.diagnostics.sources import path_key
from spcopilot.server.features.navigation import search_symbols
from spcopilot.server.features.view import DocumentView
from spcopilot.server.lsp import convert
from spcopilot.server.lsp.ai_runtime import AiRuntime
from spcopilot.server.lsp.analysis import AnalysisThreads, Obsolete
from spcopilot.server.lsp.capabilities import ClientFeatures
from spcopilot.server.lsp.compile import CompileOnSave
from spcopilot.server.lsp.diagnostics import DiagnosticsPublisher
from spcopilot.server.lsp.log_handler import LEVELS, LspLogHandler, is_answer, setup_logging
from spcopilot.server.lsp.markers import Markers
from spcopilot.server.lsp.progress import Progress
from spcopilot.server.lsp.protocol import SpcopilotProtocol
from spcopilot.server.lsp.runtime_logs import RuntimeLogWatcher
from spcopilot.server.lsp.stdin_reader import FramedStdinReader
from spcopilot.server.project import Project
from spcopilot.server.settings import SECTION, unwrap

from spcopilot import __version__

log = logging.getLogger("spcopilot.server")
WATCHED = ("**/*.inc", "**/.spcopilot.toml")
T = TypeVar("T")
ANSWER_WITHIN_S = 2.0  # an interactive request is answered (empty, if need be) within this
# Workspace symbols wait this long for each open document's current symbols; one still being
# analysed then contributes those of its last analysis (none the first time): a search as you
# type tolerates that, and waiting on it put seconds of p99 on workspace/symbol (bench/fuzz_lsp.py).
SYMBOLS_WITHIN_S = 0.05


class SpcopilotServer(LanguageServer):
    protocol: SpcopilotProtocol

    def __init__(self) -> None:
        super().__init__("spcopilot", __version__, protocol_cls=SpcopilotProtocol, max_workers=2)
        self.project = Project()  # the analysis thread's; read only its settings here
        self.texts: dict[str, Document] = {}  # the event loop's copy of each open document's text
        self.symbols: dict[str, list[Any]] = {}  # each open document's symbols, as last read
        self.markers = Markers.from_environment()
        self.analysis = AnalysisThreads(self.markers)
        self.init_options: dict[str, Any] = {}
        self.publisher: DiagnosticsPublisher | None = None
        self.log_handler: LspLogHandler = setup_logging(self)
        self.jobs: set[asyncio.Task[Any]] = set()
        self.ready = asyncio.Event()  # set once the client's settings are known
        self.ai = AiRuntime()
        self.compile_on_save = CompileOnSave(self)
        self.error_logs = RuntimeLogWatcher(self)

    @property
    def client(self) -> ClientFeatures:
        return self.protocol.client_features

    @property
    def diagnostics(self) -> DiagnosticsPublisher:
        if self.publisher is None:
            self.publisher = DiagnosticsPublisher(self)
        return self.publisher

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """pygls's `start_io`, reading the editor's messages whole on a thread of their own
        (stdin_reader.py) instead of through the thread pool a line at a time."""
        self._stop_event = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        reader = FramedStdinReader(stdin or sys.stdin.buffer)
        try:
            asyncio.run(run_async(self._stop_event, reader, self.protocol, log, self.report_server_error))
        except BrokenPipeError:
            log.error("the connection to the editor is lost; stopping")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Log (to the client's log too) instead of a pop-up; request errors are answered as such,
        and an error answer that is routine (log_handler.ANSWER_CODES) is no error to log."""
        if is_answer(error):
            log.debug("answered %s: %s", getattr(error, "code", ""), error)
            return
        log.error("%s: %s", getattr(source, "__name__", source), error)

    # -- lifecycle ---------------------------------------------------------------------------
    def initialize(self, params: types.InitializeParams) -> None:
        self.log_handler.attach(asyncio.get_running_loop())
        root = _root(params)
        self.init_options = params.initialization_options if isinstance(params.initialization_options, dict) else {}
        self.project = Project(root)  # no document is open yet: nothing runs on the analysis thread
        self.publisher = DiagnosticsPublisher(self)
        self._apply_settings(self._configure_project(self.init_options))
        log.info(
            "spcopilot %s: root %s, %s positions, %s diagnostics",
            __version__,
            root or "(none)",
            self.client.position_encoding,
            "pull" if self.client.pull_diagnostics else "push",
        )

    async def initialized(self) -> None:
        try:
            await self.pull_configuration()
        finally:
            self.ready.set()
        await self.register_watchers()
        self.diagnostics.refresh()
        self.error_logs.start()
        self.start(self.index_includes())
        if self.project.settings.lint_workspace:
            self.start(self.diagnostics.lint_workspace())
        else:
            self.diagnostics.workspace_linted.set()

    async def configured(self, timeout: float = 5.0) -> None:
        """Wait (a little) for the client's settings before answering with diagnostics."""
        if not self.ready.is_set():
            try:
                await asyncio.wait_for(self.ready.wait(), timeout)
            except asyncio.TimeoutError:
                log.info("no settings from the client after %.0f s: going on without them", timeout)
                self.ready.set()

    def start(self, job: Any) -> None:
        task = asyncio.ensure_future(job)
        self.jobs.add(task)
        task.add_done_callback(self._job_done)

    def _job_done(self, task: asyncio.Task[Any]) -> None:
        self.jobs.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background job failed: %s", task.exception(), exc_info=task.exception())

    # -- configuration -----------------------------------------------------------------------
    def _configure_project(self, values: Any) -> SpcopilotError | None:
        """Runs where the project lives (the analysis thread, or before any document opened)."""
        try:
            self.project.configure(values)
        except SpcopilotError as error:
            return error
        return None

    async def _configure(self, values: Any) -> bool:
        return self._apply_settings(await self.analysis.ask(lambda: self._configure_project(values), None))

    def _apply_settings(self, error: SpcopilotError | None) -> bool:
        """The event loop's side of a (re)configuration: the log level and the AI settings."""
        if error is not None:
            log.warning("settings: %s", error)
            self.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Warning, message=f"spcopilot: {error}")
            )
            return False
        self.log_handler.setLevel(LEVELS.get(self.project.settings.log_level, logging.INFO))
        try:
            self.ai.configure(self.project.client_values, self.project.root, self.project.config,
                              self.project.settings.cache_dir, self.project.config_file())  # fmt: skip
        except SpcopilotError as error:
            log.warning("AI settings: %s", error)
            self.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Warning, message=f"spcopilot: {error}")
            )
            return False
        return True

    async def pull_configuration(self) -> None:
        """workspace/configuration (section "spcopilot") over the initializationOptions."""
        if not self.client.configuration:
            return
        try:
            result = await self.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
            )
        except Exception as error:
            log.info("workspace/configuration failed: %s", error)
            return
        pulled = result[0] if result and isinstance(result[0], dict) else {}
        await self._configure({**unwrap(self.init_options), **unwrap(pulled)})

    async def configuration_changed(self, settings: Any) -> None:
        if self.client.configuration:
            await self.pull_configuration()
        elif settings is not None:
            await self._configure({**unwrap(self.init_options), **unwrap(settings)})
        self.diagnostics.refresh()
        self.start(self.index_includes())

    async def register_watchers(self) -> None:
        """Watch include files and .spcopilot.toml, when the client lets us register it."""
        if not self.client.watch_files_dynamically:
            return
        watchers = [types.FileSystemWatcher(glob_pattern=pattern) for pattern in WATCHED]
        registration = types.Registration(
            id="spcopilot-watch-includes",
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
        )
        try:
            await self.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
        except Exception as error:
            log.info("could not register file watchers: %s", error)

    async def files_changed(self, changes: list[types.FileEvent]) -> None:
        paths = [Path(p) for p in (convert.uri_to_path(c.uri) for c in changes) if p]
        if not paths:
            return

        def forget() -> bool:
            return any([self.project.file_changed(path) for path in paths])

        if await self.analysis.ask(forget, None):
            log.info("%s changed: configuration reloaded", ", ".join(p.name for p in paths))
            await self._configure(None)  # the [ai] table too
        self.diagnostics.refresh()
        self.start(self.index_includes())

    # -- background jobs ---------------------------------------------------------------------
    async def index_includes(self) -> int:
        """Read every include file of every include folder (cached on disk), with progress."""
        indexes = self.project.indexes()
        if not any(index.include_dirs for index in indexes):
            return 0
        progress = Progress(self, "spcopilot: indexing includes")
        await progress.begin()
        loop = asyncio.get_running_loop()
        total = 0
        for index in indexes:

            def report(done: int, count: int) -> None:
                loop.call_soon_threadsafe(progress.report, done, count, "")

            total += await loop.run_in_executor(self.thread_pool, index.index_all, report)
        progress.end(f"{total} include files indexed")
        return total

    async def workspace_symbols(self, query: str) -> list[Any]:
        """The open documents' symbols and every include index's (read in a worker thread)."""

        for uri in [u for u in self.symbols if u not in self.texts]:
            del self.symbols[uri]  # (closed while its symbols were read)

        async def of(uri: str) -> list[Any]:
            def read(_document: Document, view: DocumentView) -> list[Any]:
                # kept also when read too late for this request: the next one has them
                symbols = self.symbols[uri] = list(view.own_symbols)
                return symbols

            try:
                symbols = await self.on_document(uri, read, wait_s=SYMBOLS_WITHIN_S)
            except JsonRpcContentModified:  # (edited meanwhile: what was read last)
                symbols = None
            return symbols if symbols is not None else self.symbols.get(uri, [])

        found = await asyncio.gather(*(of(uri) for uri in list(self.texts)))
        own = [symbol for symbols in found for symbol in symbols]
        indexes = self.project.indexes()  # (reads the open paths and the include folders only)
        loop = asyncio.get_running_loop()
        included = await loop.run_in_executor(self.thread_pool, lambda: [s for i in indexes for s in i.all_symbols()])
        return search_symbols([*own, *included], query)

    # -- documents ---------------------------------------------------------------------------
    def opened(self, uri: str, text: str, version: int | None) -> None:
        path = convert.uri_to_path(uri)
        encoding = self.client.position_encoding
        self.texts[uri] = Document(text, version, path, encoding, parse_limit=0)
        self.analysis.sync(lambda: self.project.open(uri, path, text, version, encoding), uri)

    def changed(self, uri: str, changes: list[TextChange], version: int | None) -> bool:
        mirror = self.texts.get(uri)
        if mirror is None:
            log.info("change to %s, which is not open: ignored", uri)
            return False
        mirror.apply(changes, version)
        self.analysis.changed(uri)  # a lint of the old text is obsolete
        self.analysis.sync(lambda: self.project.change(uri, changes, version), uri)
        return True

    def closed(self, uri: str) -> None:
        self.texts.pop(uri, None)
        self.symbols.pop(uri, None)
        self.analysis.closed(uri)
        self.analysis.sync(lambda: self.project.close(uri), uri)

    def document(self, uri: str) -> Document | None:
        """The event loop's copy of an open document's text (not parsed)."""
        document = self.texts.get(uri)
        if document is None:
            log.info("request for %s, which is not open: empty result", uri)
        return document

    def uri_of(self, path: str | Path) -> str | None:
        """The uri of the open document at `path`, or None."""
        key = path_key(path)
        for uri, document in self.texts.items():
            if document.path and path_key(document.path) == key:
                return uri
        return None

    def latest_view(self, uri: str) -> DocumentView | None:
        """The latest view the analysis thread built of a document, maybe of an older version
        (see its `version`); read without waiting for the thread."""
        doc = self.project.documents.get(uri)
        return doc.view if doc is not None else None

    def quarantine(self, params: Any) -> None:
        """The supervisor restarted us because this document's analysis took the last server
        down: leave it alone (until it changes, or for good when `sticky`)."""
        uri, version = getattr(params, "uri", None), getattr(params, "version", None)
        if not isinstance(uri, str):
            return
        sticky, reason = bool(getattr(params, "sticky", False)), str(getattr(params, "reason", ""))
        self.analysis.sync(lambda: self.project.quarantine(uri, version, sticky, reason), uri)
        self.diagnostics.schedule(uri, 0)

    async def on_document(
        self,
        uri: str,
        answer: Callable[[Document, DocumentView], T],
        with_diagnostics: bool = False,
        wait_s: float = ANSWER_WITHIN_S,
    ) -> T | None:
        """`answer(document, view)` on an analysis thread, for the document as of the edits
        sent before this request; None when it is not open or not analysed, or when the answer
        is not ready within `wait_s` (the document's analysis is slow: an empty answer now is
        better than a late one; the work goes on and warms the caches). ContentModified when the
        document was edited before it was answered (editors ask again, silently)."""

        def run(cancel: threading.Event) -> T | None:
            if self.project.document(uri) is None:
                log.info("request for %s, which is not open: empty result", uri)
                return None
            project = self.project
            view = project.view_with_diagnostics(uri, cancel) if with_diagnostics else project.view(uri, cancel)
            if view is None and cancel.is_set():
                raise Obsolete("the document changed")
            document = self.project.document(uri)
            if view is None or not view.analysed or document is None:
                return None
            return answer(document, view)

        try:
            return await asyncio.wait_for(asyncio.shield(self.analysis.question(run, uri)), wait_s)
        except asyncio.TimeoutError:
            log.info("%s: no answer within %.1f s (its analysis is slow): answered empty", uri, wait_s)
            return None
        except Obsolete:
            if uri in self.texts:  # edited meanwhile (closed, or the server stopping: nothing)
                raise JsonRpcContentModified("the document changed before this was answered") from None
            return None


def _root(params: types.InitializeParams) -> Path | None:
    uri = params.root_uri or (params.workspace_folders[0].uri if params.workspace_folders else None)
    if uri:
        path = convert.uri_to_path(uri)
        return Path(path) if path else None
    if params.root_path:
        return Path(params.root_path)
    return None
