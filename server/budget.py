"""The editor's analysis budget: every parse and lint the language server runs gets a deadline
(the `analysis-timeout` setting) and its document's cancel event, through the engine's
`Budget` (diagnostics/budget.py). A budgeted parse also hands the interpreter lock over as it
goes, which is what lets the other threads (inline completion, other documents) run meanwhile.

A document whose analysis ran out of time gets one information diagnostic instead of findings
(`analysis_notice`), until its text changes.
"""

from __future__ import annotations

import threading

from spcopilot.diagnostics.budget import CANCELLED, AnalysisStopped, Budget
from spcopilot.diagnostics.model import Diagnostic, Position, Range, Severity

ANALYSIS_CODE = "spcopilot-analysis"

__all__ = ["ANALYSIS_CODE", "AnalysisStopped", "Budget", "analysis_budget", "analysis_notice", "cancelled"]


def analysis_budget(seconds: float, cancel: threading.Event | None = None) -> Budget:
    return Budget(seconds, cancel)


def cancelled(stop: AnalysisStopped) -> bool:
    """Stopped because its document changed or closed (nobody wants it), not for time."""
    return stop.reason == CANCELLED


def over_budget_message(seconds: float) -> str:
    return (
        f"spcopilot stopped analysing this file after {seconds:g} s (setting `analysis-timeout`); it tries "
        "again when the file changes. Please report the file"
    )


def analysis_notice(message: str) -> Diagnostic:
    """The one information diagnostic of a document that is not analysed, at its start."""
    origin = Position(0, 0)
    return Diagnostic(ANALYSIS_CODE, "analysis-stopped", Severity.INFO, message, 0, 0, Range(origin, origin))
