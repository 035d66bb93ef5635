"""Following SourceMod's error logs while the editor is open (setting `error-logs`): a thread
polls the logs' tails every POLL_S seconds, off the event loop and the analysis threads (a
first read of a large log takes as long as it takes, and nothing waits on it); when the errors
change, the open documents' diagnostics are published again (pulling clients are asked to pull)
and so are those of the closed files that have, or had, errors on them.

Polling rather than the client's file watching: the logs usually live outside the workspace (on
a server's share), where clients do not watch, and a poll of a few files costs a stat each."""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spcopilot.server.lsp.server import SpcopilotServer

log = logging.getLogger(__name__)
POLL_S = 2.0


class RuntimeLogWatcher:
    def __init__(self, server: SpcopilotServer, poll_s: float = POLL_S) -> None:
        self.server = server
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._shown: set[Path] = set()  # closed files we published runtime errors on

    def start(self) -> None:
        """Start following (once; the settings decide what is followed, each poll reads them)."""
        if self._thread is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._run, name="spcopilot-error-logs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                changed = self.server.project.runtime.poll(self._stop)
            except Exception:
                log.exception("reading the error logs failed")
                changed = False
            if changed and self._loop is not None and not self._stop.is_set():
                self._loop.call_soon_threadsafe(self._changed)
            self._stop.wait(self.poll_s)

    def _changed(self) -> None:
        server = self.server
        runtime = server.project.runtime
        files = set(runtime.files())
        log.info("error logs: runtime errors on %d file%s", len(files), "" if len(files) == 1 else "s")
        server.diagnostics.refresh()
        if server.diagnostics.push:
            for path in files | self._shown:
                if server.uri_of(path) is None:
                    server.start(server.diagnostics.publish_file(path))
        self._shown = files
