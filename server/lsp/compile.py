"""Compile on save: the user's SourcePawn compiler, next to the live rule diagnostics.

When a document is saved (setting `compile` = `onSave`, the default) and a compiler was found,
its plugin is compiled in a worker thread after a short debounce (saving twice quickly compiles
once). The compiler's findings are merged into the document's diagnostics and those of the
files it reports on, and cleared when one of them changes. A new save or an edit cancels a
compile still running for that file (the compiler is killed). A compile that takes a while
shows `$/progress`. A compiler that crashes, hangs or prints garbage is reported once with a
message; the rule diagnostics are shown all the same. Without a compiler nothing happens.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from spcopilot.server.lsp import convert
from spcopilot.server.lsp.progress import Progress

if TYPE_CHECKING:
    from spcopilot.server.lsp.server import SpcopilotServer

log = logging.getLogger(__name__)

DEBOUNCE_S = 0.2
PROGRESS_AFTER_S = 0.3  # a compile still running after this long shows $/progress


class CompileOnSave:
    def __init__(self, server: SpcopilotServer) -> None:
        self.server = server
        self._pending: dict[str, asyncio.TimerHandle] = {}
        self._running: dict[str, threading.Event] = {}
        self._said: set[str] = set()

    @property
    def enabled(self) -> bool:
        return self.server.project.settings.compile != "off"

    def saved(self, uri: str) -> None:
        if not self.enabled or uri not in self.server.texts:
            return
        self._cancel(uri)
        loop = asyncio.get_running_loop()
        self._pending[uri] = loop.call_later(DEBOUNCE_S, lambda: self.server.start(self.compile(uri)))

    def changed(self, uri: str) -> None:
        """An edit: stop a compile of this file and drop the findings it no longer matches."""
        self._cancel(uri)
        path = convert.uri_to_path(uri)
        if path:
            self._publish(self.server.project.compiled.changed(path))

    def closed(self, uri: str) -> None:
        self._cancel(uri)

    def _cancel(self, uri: str) -> None:
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        running = self._running.pop(uri, None)
        if running is not None:
            running.set()

    async def compile(self, uri: str) -> None:
        self._pending.pop(uri, None)
        project = self.server.project
        document = self.server.texts.get(uri)
        if document is None or not document.path:
            return
        check = project.compile_check
        search = await asyncio.to_thread(check.search_for, Path(document.path))
        if search.compiler is None:
            if search.configured:
                self._say_once(f"the configured compiler cannot be used: {search.rejected[0]}")
            else:
                log.debug("no compiler: %s", search.describe())
            return
        stop = threading.Event()
        self._running[uri] = stop
        version = document.version
        buffers = {d.path: d.source for d in self.server.texts.values() if d.path}
        work = asyncio.ensure_future(
            asyncio.to_thread(check.check, Path(document.path), document.source, buffers, stop.is_set)
        )
        progress = await self._progress_if_slow(work, Path(document.path).name)
        try:
            report = await work
        finally:
            if progress is not None:
                progress.end("done")
            if self._running.get(uri) is stop:
                del self._running[uri]
        current = self.server.texts.get(uri)
        if report.cancelled or stop.is_set() or current is None or current.version != version:
            return  # a newer save or an edit made this compile obsolete
        for problem in report.problems:
            self._say_once(f"{problem}; the rule diagnostics are still shown")
        log.info("compiled %s with %s in %.2f s", ", ".join(t.name for t in report.targets),
                 report.compiler.path if report.compiler else "?", report.seconds)  # fmt: skip
        self._publish(project.compiled.store(document.path, report.by_file))

    async def _progress_if_slow(self, work: asyncio.Future[object], name: str) -> Progress | None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(work), PROGRESS_AFTER_S)
            return None
        progress = Progress(self.server, "spcopilot: compiling")
        await progress.begin(f"{name} with spcomp")
        return progress

    def _publish(self, paths: set[str]) -> None:
        if not paths:
            return
        publisher = self.server.diagnostics
        for path in paths:
            uri = self.server.uri_of(path)
            if uri is not None:
                publisher.schedule(uri, 0)
            else:
                self.server.start(publisher.publish_file(Path(path)))
        publisher.refresh_pull()

    def _say_once(self, text: str) -> None:
        if text in self._said:
            log.info("spcomp: %s", text)
            return
        self._said.add(text)
        log.warning("spcomp: %s", text)
        self.server.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Warning, message=f"spcopilot: {text}")
        )
