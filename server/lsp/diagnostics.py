"""Diagnostics to the client: pushed (debounced, never for an older version) to clients that
cannot pull; answered from the latest version to clients that pull; the workspace's closed
files linted in the background on start.

Every lint runs on the analysis thread's background lane (analysis.py): an edit cancels the
lint of the text it replaced, and requests never wait behind a lint of another document that
has not started yet."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from spcopilot.diagnostics.text import LineIndex
from spcopilot.server.budget import AnalysisStopped
from spcopilot.server.lsp import convert
from spcopilot.server.lsp.analysis import Obsolete
from spcopilot.server.lsp.progress import Progress

if TYPE_CHECKING:
    from spcopilot.server.lsp.server import SpcopilotServer
    from spcopilot.server.project import FileResult, Project

log = logging.getLogger(__name__)
SERVER_CANCELLED = -32802  # LSP 3.17 ErrorCodes.ServerCancelled
WORKSPACE_HOLD_S = 60.0  # an unchanged workspace pull is held open this long (clients re-poll)


class DiagnosticsPublisher:
    def __init__(self, server: SpcopilotServer) -> None:
        self.server = server
        self._pending: dict[str, asyncio.TimerHandle] = {}
        self._workspace_changed = asyncio.Event()
        self.workspace_linted = asyncio.Event()  # the start's lint of the workspace is done
        self.last_latency_ms: float | None = None  # change -> published, minus the debounce

    @property
    def push(self) -> bool:
        return not self.server.client.pull_diagnostics

    @property
    def project(self) -> Project:
        return self.server.project

    # -- push -------------------------------------------------------------------------------
    def schedule(self, uri: str, delay_ms: int | None = None) -> None:
        """(Re)start the debounce timer of a document (for pulling clients: wake a held
        workspace pull instead)."""
        if not self.push:
            self.workspace_changed()
            return
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        delay = self.project.settings.debounce_ms if delay_ms is None else delay_ms
        loop = asyncio.get_running_loop()
        self._pending[uri] = loop.call_later(delay / 1000, lambda: self.server.start(self.publish(uri)))

    async def publish(self, uri: str) -> None:
        self._pending.pop(uri, None)
        if not self.server.ready.is_set():
            return  # the client's settings are on their way; `refresh` publishes then
        document = self.server.texts.get(uri)
        if document is None:
            return
        started = time.perf_counter()
        found = await self._lint(uri)
        current = self.server.texts.get(uri)
        if found is None or current is None or current.version != found[0]:
            return  # a newer version is on its way; its own timer publishes it
        self.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=found[1], version=found[0])
        )
        self.last_latency_ms = (time.perf_counter() - started) * 1000

    async def _lint(self, uri: str) -> tuple[int | None, list[types.Diagnostic]] | None:
        """(version, LSP diagnostics) of an open document's current text; None when it
        closed or changed while being linted."""

        def run(cancel: threading.Event) -> tuple[int | None, list[types.Diagnostic]] | None:
            document = self.project.document(uri)
            if document is None:
                return None
            self.report_skip(uri)
            found = self.project.published(uri, cancel)
            return document.version, convert.diagnostics(found, document.lines, document.encoding)

        try:
            return await self.server.analysis.background(run, uri)
        except (Obsolete, AnalysisStopped):
            return None

    def clear(self, uri: str) -> None:
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        if self.push:
            self.server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    async def publish_file(self, path: Path) -> None:
        """Push a closed file's findings again (the compiler's changed on it)."""
        if not self.push:
            return
        encoding = self.server.client.position_encoding

        def run(cancel: threading.Event) -> list[types.Diagnostic]:
            result = self.project.published_file(path)
            return [] if result is None else convert.diagnostics(result.diagnostics, LineIndex(result.source), encoding)

        with contextlib.suppress(Obsolete):
            items = await self.server.analysis.background(run, convert.path_to_uri(path))
            self.server.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=convert.path_to_uri(path), diagnostics=items)
            )

    def refresh_pull(self) -> None:
        """Results changed without an edit: pulling clients ask again."""
        if not self.push and self.server.client.diagnostic_refresh:
            self.server.workspace_diagnostic_refresh(None)
        self.workspace_changed()

    def report_skip(self, uri: str) -> None:
        """(On the analysis thread.) Say once why a document is not analysed."""
        reason = self.project.skip_reason(uri)
        if reason is not None:
            log.warning("%s %s: it is kept in sync but not analysed", convert.uri_to_path(uri) or uri, reason)

    def refresh(self) -> None:
        """Results may have changed without an edit (configuration, includes)."""
        if self.push:
            for uri in list(self.server.texts):
                self.schedule(uri, 0)
        elif self.server.client.diagnostic_refresh:
            self.server.workspace_diagnostic_refresh(None)
        self.workspace_changed()

    def workspace_changed(self) -> None:
        self._workspace_changed.set()

    # -- pull -------------------------------------------------------------------------------
    async def document_report(self, uri: str, previous_result_id: str | None) -> types.DocumentDiagnosticReport:
        encoding = self.server.client.position_encoding

        def run(cancel: threading.Event) -> types.DocumentDiagnosticReport:
            project = self.project
            document = project.document(uri)
            if document is None:
                path = convert.uri_to_path(uri)
                result = project.published_file(Path(path)) if path else None
                if result is None:
                    log.info("diagnostics asked for %s, which is neither open nor a readable file", uri)
                    return types.RelatedFullDocumentDiagnosticReport(items=[])
                items = convert.diagnostics(result.diagnostics, LineIndex(result.source), encoding)
                return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=_file_id(project, result))
            self.report_skip(uri)
            result_id = _document_id(project, document.path, document.version)
            if previous_result_id == result_id and document.version is not None:
                return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
            found = project.published(uri, cancel)
            return types.RelatedFullDocumentDiagnosticReport(
                items=convert.diagnostics(found, document.lines, document.encoding), result_id=result_id
            )

        for _ in range(2):  # stopped once by work on the whole project (settings, files): again
            try:
                return await self.server.analysis.background(run, uri)
            except (Obsolete, AnalysisStopped):
                continue
        # Its document kept changing, or the settings did, while it was linted: LSP's
        # ServerCancelled asks the editor to pull again (an empty report would clear what it
        # shows until then).
        raise JsonRpcException("the document or the settings changed while it was linted", SERVER_CANCELLED,
                               {"retriggerRequest": True})  # fmt: skip

    async def workspace_report(self, previous: list[types.PreviousResultId]) -> types.WorkspaceDiagnosticReport:
        """Every file we know of: closed files from the background lint, open ones as they are.
        When nothing changed since the client's last pull, wait for a change first (clients
        re-issue the request as soon as it is answered)."""
        ids = {p.uri: p.value for p in previous}
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.workspace_linted.wait(), WORKSPACE_HOLD_S)
        report = await self._workspace_items(ids)
        if previous and report is None:
            self._workspace_changed.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._workspace_changed.wait(), WORKSPACE_HOLD_S)
            report = await self._workspace_items(ids)
        return types.WorkspaceDiagnosticReport(items=report or [])

    async def _workspace_items(self, previous: dict[str, str]) -> list[Any] | None:
        """The reports, or None when every one is unchanged: closed files from the background
        lint (one piece of work for them all), each open document as its own work."""
        analysis = self.server.analysis
        items: list[tuple[bool, Any]] = []
        try:
            items += await analysis.background(lambda cancel: self._closed_items(previous), None)
            for uri in list(self.server.texts):
                item = await analysis.background(lambda cancel, uri=uri: self._open_item(uri, previous, cancel), uri)
                if item is not None:
                    items.append(item)
        except (Obsolete, AnalysisStopped):
            return []
        if previous and not any(changed for changed, _ in items):
            return None
        return [item for _, item in items]

    def _closed_items(self, previous: dict[str, str]) -> list[tuple[bool, Any]]:
        """(changed?, report) of every closed file we have results for."""
        project = self.project
        encoding = self.server.client.position_encoding
        closed = dict(project.files)
        for path_text in [*project.compiled.files(), *map(str, project.runtime.files())]:
            path = Path(path_text)
            if path not in closed and not project.is_open(path):
                found = project.lint_file(path)
                if found is not None:
                    closed[path] = found
        items: list[tuple[bool, Any]] = []
        for path, linted in closed.items():
            if project.is_open(path):
                continue
            result = project.published_file(path) or linted
            uri = convert.path_to_uri(path)
            result_id = _file_id(project, result)
            if previous.get(uri) == result_id:
                items.append((False, types.WorkspaceUnchangedDocumentDiagnosticReport(uri=uri, result_id=result_id)))
                continue
            converted = convert.diagnostics(result.diagnostics, LineIndex(result.source), encoding)
            report = types.WorkspaceFullDocumentDiagnosticReport(uri=uri, items=converted, result_id=result_id)
            items.append((True, report))
        return items

    def _open_item(self, uri: str, previous: dict[str, str], cancel: threading.Event) -> tuple[bool, Any] | None:
        project = self.project
        document = project.document(uri)
        if document is None:
            return None
        result_id = _document_id(project, document.path, document.version)
        if previous.get(uri) == result_id:
            unchanged = types.WorkspaceUnchangedDocumentDiagnosticReport(
                uri=uri, result_id=result_id, version=document.version
            )
            return False, unchanged
        converted = convert.diagnostics(project.published(uri, cancel), document.lines, document.encoding)
        return True, types.WorkspaceFullDocumentDiagnosticReport(
            uri=uri, items=converted, result_id=result_id, version=document.version
        )

    # -- the workspace on start -------------------------------------------------------------
    async def lint_workspace(self) -> int:
        """Lint every closed .sp file of the workspace, one background job a file (requests
        and edits go first), with progress; returns how many."""
        try:
            return await self._lint_workspace()
        finally:
            self.workspace_linted.set()

    async def _lint_workspace(self) -> int:
        analysis = self.server.analysis
        project = self.project
        files = await analysis.ask(lambda: [p for p in project.workspace_files() if not project.is_open(p)], None)
        if not files:
            return 0
        progress = Progress(self.server, "spcopilot: linting the workspace")
        await progress.begin(f"{len(files)} files")
        count = 0
        encoding = self.server.client.position_encoding

        def lint(path: Path) -> list[types.Diagnostic] | None:
            if project.is_open(path):
                return None
            result = project.lint_file(path)
            return (
                None if result is None else convert.diagnostics(result.diagnostics, LineIndex(result.source), encoding)
            )

        for done, path in enumerate(files, 1):
            try:
                items = await analysis.background(lambda cancel, path=path: lint(path), convert.path_to_uri(path))
            except Obsolete:
                break  # shutting down
            if items is not None:
                count += 1
                if self.push:
                    self.server.text_document_publish_diagnostics(
                        types.PublishDiagnosticsParams(uri=convert.path_to_uri(path), diagnostics=items)
                    )
            progress.report(done, len(files), path.name)
        progress.end(f"{count} files linted")
        if not self.push and self.server.client.diagnostic_refresh:
            self.server.workspace_diagnostic_refresh(None)
        self.workspace_changed()
        return count


def _document_id(project: Project, path: str, version: int | None) -> str:
    compiled = project.compiled.stamp(path) if path else 0
    return f"{project.generation}:{version}:{compiled}:{project.runtime.stamp}"


def _file_id(project: Project, result: FileResult) -> str:
    return f"file:{result.mtime_ns}:{project.generation}:{project.compiled.stamp(str(result.path))}:{project.runtime.stamp}"
