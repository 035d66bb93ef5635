"""Diagnostics to the client: pushed (debounced, never for an older version) to clients that
cannot pull; answered at once from the latest version to clients that pull; the workspace's
closed files linted in the background on start."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from spcopilot.diagnostics.text import LineIndex
from spcopilot.server.lsp import convert
from spcopilot.server.lsp.progress import Progress

if TYPE_CHECKING:
    from spcopilot.server.lsp.server import SpcopilotServer
    from spcopilot.server.project import FileResult, Project

log = logging.getLogger(__name__)
WORKSPACE_HOLD_S = 60.0  # an unchanged workspace pull is held open this long (clients re-poll)


class DiagnosticsPublisher:
    def __init__(self, server: SpcopilotServer) -> None:
        self.server = server
        self._pending: dict[str, asyncio.TimerHandle] = {}
        self._workspace_changed = asyncio.Event()
        self.last_latency_ms: float | None = None  # change -> published, minus the debounce

    @property
    def push(self) -> bool:
        return not self.server.client.pull_diagnostics

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
        delay = self.server.project.settings.debounce_ms if delay_ms is None else delay_ms
        loop = asyncio.get_running_loop()
        self._pending[uri] = loop.call_later(delay / 1000, self.publish, uri)

    def publish(self, uri: str) -> None:
        self._pending.pop(uri, None)
        if not self.server.ready.is_set():
            return  # the client's settings are on their way; `refresh` publishes then
        project = self.server.project
        document = project.document(uri)
        if document is None:
            return
        version = document.version
        started = time.perf_counter()
        self.report_skip(uri)
        found = project.published(uri)
        current = project.document(uri)
        if current is None or current.version != version:
            return  # a newer version is on its way; its own timer publishes it
        items = convert.diagnostics(found, document.lines, document.encoding)
        self.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=items, version=version)
        )
        self.last_latency_ms = (time.perf_counter() - started) * 1000

    def clear(self, uri: str) -> None:
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        if self.push:
            self.server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def publish_file(self, path: Path) -> None:
        """Push a closed file's findings again (the compiler's changed on it)."""
        if not self.push:
            return
        result = self.server.project.published_file(path)
        items = (
            []
            if result is None
            else convert.diagnostics(result.diagnostics, LineIndex(result.source), self.server.client.position_encoding)
        )
        self.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=convert.path_to_uri(path), diagnostics=items)
        )

    def refresh_pull(self) -> None:
        """Results changed without an edit: pulling clients ask again."""
        if not self.push and self.server.client.diagnostic_refresh:
            self.server.workspace_diagnostic_refresh(None)
        self.workspace_changed()

    def report_skip(self, uri: str) -> None:
        reason = self.server.project.skip_reason(uri)
        if reason is not None:
            log.warning("%s %s: it is kept in sync but not analysed", convert.uri_to_path(uri) or uri, reason)

    def refresh(self) -> None:
        """Results may have changed without an edit (configuration, includes)."""
        if self.push:
            for uri in list(self.server.project.documents):
                self.schedule(uri, 0)
        elif self.server.client.diagnostic_refresh:
            self.server.workspace_diagnostic_refresh(None)
        self.workspace_changed()

    def workspace_changed(self) -> None:
        self._workspace_changed.set()

    # -- pull -------------------------------------------------------------------------------
    def document_report(self, uri: str, previous_result_id: str | None) -> types.DocumentDiagnosticReport:
        project = self.server.project
        document = project.document(uri)
        if document is None:
            path = convert.uri_to_path(uri)
            result = project.published_file(Path(path)) if path else None
            if result is None:
                log.info("diagnostics asked for %s, which is neither open nor a readable file", uri)
                return types.RelatedFullDocumentDiagnosticReport(items=[])
            items = convert.diagnostics(
                result.diagnostics, LineIndex(result.source), self.server.client.position_encoding
            )
            return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=_file_id(project, result))
        self.report_skip(uri)
        result_id = _document_id(project, document.path, document.version)
        if previous_result_id == result_id and document.version is not None:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        found = project.published(uri)
        return types.RelatedFullDocumentDiagnosticReport(
            items=convert.diagnostics(found, document.lines, document.encoding), result_id=result_id
        )

    async def workspace_report(self, previous: list[types.PreviousResultId]) -> types.WorkspaceDiagnosticReport:
        """Every file we know of: closed files from the background lint, open ones as they are.
        When nothing changed since the client's last pull, wait for a change first (clients
        re-issue the request as soon as it is answered)."""
        report = self._workspace_items({p.uri: p.value for p in previous})
        if previous and report is None:
            self._workspace_changed.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._workspace_changed.wait(), WORKSPACE_HOLD_S)
            report = self._workspace_items({p.uri: p.value for p in previous})
        return types.WorkspaceDiagnosticReport(items=report or [])

    def _workspace_items(self, previous: dict[str, str]) -> list[Any] | None:
        """The reports, or None when every one is unchanged."""
        project = self.server.project
        encoding = self.server.client.position_encoding
        items: list[Any] = []
        changed = False
        closed = dict(project.files)
        for path_text in project.compiled.files():
            path = Path(path_text)
            if path not in closed and not project.is_open(path):
                found = project.lint_file(path)
                if found is not None:
                    closed[path] = found
        for path, linted in closed.items():
            if project.is_open(path):
                continue
            result = project.published_file(path) or linted
            uri = convert.path_to_uri(path)
            result_id = _file_id(project, result)
            if previous.get(uri) == result_id:
                items.append(
                    types.WorkspaceUnchangedDocumentDiagnosticReport(uri=uri, result_id=result_id, version=None)
                )
                continue
            changed = True
            converted = convert.diagnostics(result.diagnostics, LineIndex(result.source), encoding)
            items.append(
                types.WorkspaceFullDocumentDiagnosticReport(uri=uri, items=converted, result_id=result_id, version=None)
            )
        for uri in list(project.documents):
            document = project.document(uri)
            if document is None:
                continue
            result_id = _document_id(project, document.path, document.version)
            if previous.get(uri) == result_id:
                items.append(
                    types.WorkspaceUnchangedDocumentDiagnosticReport(
                        uri=uri, result_id=result_id, version=document.version
                    )
                )
                continue
            changed = True
            converted = convert.diagnostics(project.published(uri), document.lines, document.encoding)
            items.append(
                types.WorkspaceFullDocumentDiagnosticReport(
                    uri=uri, items=converted, result_id=result_id, version=document.version
                )
            )
        if not changed and previous:
            return None
        return items

    # -- the workspace on start -------------------------------------------------------------
    async def lint_workspace(self) -> int:
        """Lint every closed .sp file of the workspace, with progress; returns how many."""
        project = self.server.project
        files = [p for p in project.workspace_files() if not project.is_open(p)]
        if not files:
            return 0
        progress = Progress(self.server, "spcopilot: linting the workspace")
        await progress.begin(f"{len(files)} files")
        count = 0
        for done, path in enumerate(files, 1):
            await asyncio.sleep(0)  # let requests and edits in between files
            if project.is_open(path):
                continue
            result = project.lint_file(path)
            if result is not None:
                count += 1
                if self.push:
                    items = convert.diagnostics(
                        result.diagnostics, LineIndex(result.source), self.server.client.position_encoding
                    )
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
    return f"{project.generation}:{version}:{project.compiled.stamp(path) if path else 0}"


def _file_id(project: Project, result: FileResult) -> str:
    return f"file:{result.mtime_ns}:{project.generation}:{project.compiled.stamp(str(result.path))}"
