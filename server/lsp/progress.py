"""Work-done progress ($/progress) for background jobs, when the client supports it; a no-op
(with a log line at the end) otherwise."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from spcopilot.server.lsp.server import SpcopilotServer

log = logging.getLogger(__name__)


class Progress:
    def __init__(self, server: SpcopilotServer, title: str) -> None:
        self.server = server
        self.title = title
        self.token: str | None = None
        self._last = -1

    async def begin(self, message: str = "", cancellable: bool = False) -> None:
        if not self.server.client.work_done_progress:
            return
        token = f"spcopilot/{uuid.uuid4().hex[:12]}"
        try:
            await self.server.work_done_progress.create_async(token)
        except Exception as error:  # the client refused: carry on without progress
            log.debug("window/workDoneProgress/create refused: %s", error)
            return
        self.token = token
        self.server.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title=self.title, message=message or None, percentage=0, cancellable=cancellable
            ),
        )

    def report(self, done: int, total: int, message: str = "") -> None:
        if self.token is None or total <= 0:
            return
        percentage = min(100, done * 100 // total)
        if percentage == self._last and done != total:
            return
        self._last = percentage
        self.server.work_done_progress.report(
            self.token, types.WorkDoneProgressReport(message=message or f"{done}/{total}", percentage=percentage)
        )

    def end(self, message: str = "") -> None:
        log.info("%s: %s", self.title, message or "done")
        if self.token is None:
            return
        self.server.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message or None))
        self.server.work_done_progress.tokens.pop(self.token, None)  # pygls 2.1.1 keeps every token
        self.token = None
