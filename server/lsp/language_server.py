"""The server object: the project, what the client can do, and the jobs around the handlers
(configuration, file watchers, background linting and indexing). `server.py` registers the
handlers on it."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from spcopilot.diagnostics.document import Document
from spcopilot.diagnostics.errors import SpcopilotError
from spcopilot.server.features.navigation import search_symbols
from spcopilot.server.features.view import DocumentView
from spcopilot.server.lsp import convert
from spcopilot.server.lsp.ai_runtime import AiRuntime
from spcopilot.server.lsp.capabilities import ClientFeatures
from spcopilot.server.lsp.compile import CompileOnSave
from spcopilot.server.lsp.diagnostics import DiagnosticsPublisher
from spcopilot.server.lsp.log_handler import LEVELS, LspLogHandler, setup_logging
from spcopilot.server.lsp.progress import Progress
from spcopilot.server.lsp.protocol import SpcopilotProtocol
from spcopilot.server.project import Project
from spcopilot.server.settings import SECTION, unwrap

from spcopilot import __version__

log = logging.getLogger("spcopilot.server")
WATCHED = ("**/*.inc", "**/.spcopilot.toml")


class SpcopilotServer(LanguageServer):
    protocol: SpcopilotProtocol

    def __init__(self) -> None:
        super().__init__("spcopilot", __version__, protocol_cls=SpcopilotProtocol, max_workers=2)
        self.project = Project()
        self.init_options: dict[str, Any] = {}
        self.publisher: DiagnosticsPublisher | None = None
        self.log_handler: LspLogHandler = setup_logging(self)
        self.jobs: set[asyncio.Task[Any]] = set()
        self.ready = asyncio.Event()  # set once the client's settings are known
        self.ai = AiRuntime()
        self.compile_on_save = CompileOnSave(self)

    @property
    def client(self) -> ClientFeatures:
        return self.protocol.client_features

    @property
    def diagnostics(self) -> DiagnosticsPublisher:
        if self.publisher is None:
            self.publisher = DiagnosticsPublisher(self)
        return self.publisher

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Log (to the client's log too) instead of a pop-up; request errors are answered as such."""
        log.error("%s: %s", getattr(source, "__name__", source), error)

    # -- lifecycle ---------------------------------------------------------------------------
    def initialize(self, params: types.InitializeParams) -> None:
        self.log_handler.attach(asyncio.get_running_loop())
        root = _root(params)
        self.init_options = params.initialization_options if isinstance(params.initialization_options, dict) else {}
        self.project = Project(root)
        self.publisher = DiagnosticsPublisher(self)
        self._configure(self.init_options)
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
        self.start(self.index_includes())
        if self.project.settings.lint_workspace:
            self.start(self.diagnostics.lint_workspace())

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
    def _configure(self, values: Any) -> bool:
        try:
            self.project.configure(values)
        except SpcopilotError as error:
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
        self._configure({**unwrap(self.init_options), **unwrap(pulled)})

    async def configuration_changed(self, settings: Any) -> None:
        if self.client.configuration:
            await self.pull_configuration()
        elif settings is not None:
            self._configure({**unwrap(self.init_options), **unwrap(settings)})
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

    def files_changed(self, changes: list[types.FileEvent]) -> None:
        reindex = False
        for change in changes:
            path = convert.uri_to_path(change.uri)
            if not path:
                continue
            if self.project.file_changed(Path(path)):
                log.info("%s changed: configuration reloaded", path)
                self._configure(None)  # the [ai] table too
            reindex = True
        if reindex:
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
        own = list(self.project.document_symbols())
        indexes = self.project.indexes()
        loop = asyncio.get_running_loop()
        included = await loop.run_in_executor(self.thread_pool, lambda: [s for i in indexes for s in i.all_symbols()])
        return search_symbols([*own, *included], query)

    # -- helpers for the handlers ------------------------------------------------------------
    def document(self, uri: str) -> Document | None:
        document = self.project.document(uri)
        if document is None:
            log.info("request for %s, which is not open: empty result", uri)
        return document

    def view(self, uri: str, with_diagnostics: bool = False) -> tuple[Document, DocumentView] | None:
        document = self.document(uri)
        if document is None:
            return None
        view = self.project.view_with_diagnostics(uri) if with_diagnostics else self.project.view(uri)
        if view is None or not view.analysed:
            return None
        return document, view


def _root(params: types.InitializeParams) -> Path | None:
    uri = params.root_uri or (params.workspace_folders[0].uri if params.workspace_folders else None)
    if uri:
        path = convert.uri_to_path(uri)
        return Path(path) if path else None
    if params.root_path:
        return Path(params.root_path)
    return None
