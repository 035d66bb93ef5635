"""Logging to the editor: records become window/logMessage notifications (and go to stderr).
Stdout carries the protocol only."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.exceptions import JsonRpcException

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

_TYPES = {
    logging.ERROR: types.MessageType.Error,
    logging.WARNING: types.MessageType.Warning,
    logging.INFO: types.MessageType.Info,
    logging.DEBUG: types.MessageType.Log,
}
LEVELS = {"error": logging.ERROR, "warning": logging.WARNING, "info": logging.INFO, "debug": logging.DEBUG}


class LspLogHandler(logging.Handler):
    """Sends records to the client once it is connected; from other threads through the loop."""

    def __init__(self, server: LanguageServer, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.server = server
        self.loop: asyncio.AbstractEventLoop | None = None
        self.loop_thread: int | None = None
        self._sending = threading.local()
        self.setFormatter(logging.Formatter("%(message)s"))

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.loop_thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if self.loop is None or getattr(self._sending, "active", False):
            return
        try:
            message = self.format(record)
        except Exception:  # a bad format string must not take the server down
            message = str(record.msg)
        kind = _TYPES.get(
            record.levelno, types.MessageType.Log if record.levelno < logging.INFO else types.MessageType.Error
        )
        params = types.LogMessageParams(type=kind, message=message)
        if threading.get_ident() == self.loop_thread:
            self._send(params)
        elif not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._send, params)

    def _send(self, params: types.LogMessageParams) -> None:
        self._sending.active = True
        try:
            self.server.window_log_message(params)
        except Exception:  # the client is gone; stderr still has the record
            pass
        finally:
            self._sending.active = False


def setup_logging(server: LanguageServer, level: str = "info") -> LspLogHandler:
    """Our loggers go to the client and stderr (warnings and up unless `serve --log-level`); pygls' own chatter only to stderr, and only
    warnings (it logs every message body at INFO)."""
    handler = LspLogHandler(server, LEVELS.get(level, logging.INFO))
    ours = logging.getLogger("spcopilot")
    ours.setLevel(logging.DEBUG)
    ours.addHandler(handler)
    if not logging.getLogger().handlers:
        stderr = logging.StreamHandler(sys.stderr)
        stderr.setLevel(logging.WARNING)
        stderr.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logging.getLogger().addHandler(stderr)
    logging.getLogger("pygls").setLevel(logging.WARNING)
    logging.getLogger("pygls.protocol.json_rpc").addFilter(_routine)
    return handler


# Error codes that are answers, not failures: the editor's own cancel, a pull the server
# cancelled (asked again), a question about a text edited since (ContentModified: asked again,
# silently), and a refusal with its reason (RequestFailed: "there is no symbol to rename here";
# logged once as a warning where it is raised, server.guarded).
ANSWER_CODES = frozenset({-32800, -32801, -32802, -32803})


def is_answer(error: BaseException | None) -> bool:
    return isinstance(error, JsonRpcException) and error.code in ANSWER_CODES


def _routine(record: logging.LogRecord) -> bool:
    """pygls's records that say nothing went wrong: a $/cancelRequest for a request already
    answered (routine for inline completion: the editor cancels as the user types on), and an
    error answer of ANSWER_CODES, which pygls logs as an exception with its traceback. Dropped
    here, before they are formatted: under bench/fuzz_lsp.py's edits, one answer in ten is
    ContentModified, and formatting each traceback (reading the source lines of every frame) ran
    on the message loop."""
    if str(record.msg).startswith("Cancel notification for unknown message id"):
        return False
    return not is_answer(record.exc_info[1] if record.exc_info else None)
