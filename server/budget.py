"""How long one piece of analysis may take, and whether anyone still wants it.

A `Budget` is handed to a lint: it stops when its time is up (the document gets one
information diagnostic: `analysis_notice`) or when its cancel event is set (the document
changed or closed: nobody wants the answer, `Stopped`).
"""

from __future__ import annotations

import threading
import time

from spcopilot.diagnostics.model import Diagnostic, Position, Range, Severity

ANALYSIS_CODE = "spcopilot-analysis"


class Stopped(Exception):
    """The work was cancelled: its document changed or closed."""


class Budget:
    __slots__ = ("cancel", "deadline", "seconds")

    def __init__(self, seconds: float, cancel: threading.Event | None = None) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.cancel = cancel

    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def expired(self) -> bool:
        return time.monotonic() > self.deadline

    def should_stop(self) -> bool:
        """Asked by the engine as it goes (the parse, the query, between rules)."""
        return self.cancelled() or self.expired()

    def check(self) -> None:
        if self.cancelled():
            raise Stopped("cancelled")


def analysis_notice(message: str) -> Diagnostic:
    """The one information diagnostic of a document that is not analysed, at its start."""
    origin = Position(0, 0)
    return Diagnostic(ANALYSIS_CODE, "analysis-stopped", Severity.INFO, message, 0, 0, Range(origin, origin))
