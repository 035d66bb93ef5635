"""Stopping an analysis: a deadline and a cancel flag the engine checks at its safe points.

```python
budget = Budget(seconds=2.0, event=changed)  # changed: a threading.Event; or budget.cancel()
try:
    found = linter.lint_source(text, path, session=session, budget=budget)
except AnalysisStopped as stop:
    stop.reason                       # "cancelled" or "deadline"
```

Where it is checked: tree-sitter's parse progress callback (parsing.parse), before each query
cursor and at each node of an error spine (matching.py: a cursor itself cannot be stopped, since
py-tree-sitter 0.26.1 crashes when `QueryCursor.matches` gets a progress callback; a cursor takes
time linear in the tree, ~1/5 of a lint), and before every rule call (engine.run_rule). A parse or query that is stopped leaves nothing behind: the parser is reset,
and an IncrementalLint session starts afresh on its next lint.

What it cannot stop: a grammar scanner stuck in its own loop never returns to tree-sitter, so no
callback runs (and it holds the GIL: every thread of the process waits). That is what the
child processes of diagnostics.supervised are for (engine.py's module docs have the numbers).
"""

from __future__ import annotations

import threading
import time

from spcopilot.diagnostics.errors import SpcopilotError

CANCELLED, DEADLINE = "cancelled", "deadline"


class AnalysisStopped(SpcopilotError):
    """An analysis ran out of its budget or was cancelled; it produced nothing."""

    def __init__(self, reason: str, seconds: float | None = None) -> None:
        self.reason = reason
        if reason == CANCELLED:
            what = "was cancelled"
        else:
            what = "ran out of its budget" if seconds is None else f"took longer than its {seconds:g} s budget"
        super().__init__(f"the analysis {what} and was stopped")


class Budget:
    """A deadline (`seconds` from now; None: none) and a cancel flag: `cancel()`, or an `event`
    (a threading.Event the caller sets, e.g. when the document changes). Either may be set from
    any thread; the analysis stops at its next check."""

    def __init__(self, seconds: float | None = None, event: threading.Event | None = None) -> None:
        self.seconds = seconds
        self.deadline = None if seconds is None else time.monotonic() + seconds
        self.event = event
        self._cancelled = False

    def cancel(self) -> None:
        self._cancelled = True

    @property
    def cancelled(self) -> bool:
        return self._cancelled or (self.event is not None and self.event.is_set())

    def exhausted(self) -> bool:
        return self.cancelled or (self.deadline is not None and time.monotonic() >= self.deadline)

    def check(self) -> None:
        """Raise AnalysisStopped when cancelled or past the deadline."""
        if self.exhausted():
            raise AnalysisStopped(CANCELLED if self.cancelled else DEADLINE, self.seconds)

    def stop_requested(self, *_: object) -> bool:
        """tree-sitter's parse progress callback: True stops it."""
        return self.exhausted()
