"""The analysis threads' scheduling (server/lsp/analysis.py), with jobs that block on events so
the order is decided by the test, never by the machine's speed. Every wait has a limit, so a
deadlock fails the test instead of wedging the run."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from spcopilot.server.lsp.analysis import AnalysisThreads

LIMIT = 20.0  # seconds: far beyond what any of these jobs takes; reached only by a deadlock


def recorder(log: list[str], name: str, gate: threading.Event | None = None) -> Callable[[], str]:
    def run() -> str:
        log.append(f"start {name}")
        if gate is not None:
            assert gate.wait(LIMIT), f"{name} was never released"
        log.append(f"end {name}")
        return name

    return run


def test_a_lint_ahead_of_whole_project_work_does_not_wait_for_an_edit_behind_it() -> None:
    """Pending: a lint of A, then work on no document, then an edit of A (what fuzz_lsp.py met:
    the lint waited for the edit, the edit for the whole-project job, that job for the lint)."""
    log: list[str] = []

    async def scenario() -> list[str]:
        threads = AnalysisThreads(threads=1)
        try:
            gate = threading.Event()
            busy = threads.sync(recorder(log, "B busy", gate), "B")
            lint = asyncio.ensure_future(threads.background(lambda cancel: recorder(log, "lint A")(), "A"))
            await asyncio.sleep(0.05)
            project = asyncio.ensure_future(threads.ask(recorder(log, "project"), None))
            await asyncio.sleep(0.05)
            edit = threads.sync(recorder(log, "edit A"), "A")
            gate.set()
            await asyncio.wait_for(asyncio.gather(lint, project, asyncio.wrap_future(edit)), LIMIT)
            busy.result(LIMIT)
            return log
        finally:
            threads.stop()

    order = asyncio.run(scenario())
    assert order.index("end lint A") < order.index("start project") < order.index("end project")
    assert order.index("end project") < order.index("start edit A")


def test_work_on_no_document_runs_alone_between_what_came_before_and_after() -> None:
    log: list[str] = []

    async def scenario() -> None:
        threads = AnalysisThreads(threads=3)
        try:
            gate = threading.Event()
            before = [threads.sync(recorder(log, f"before {k}", gate), k) for k in ("A", "B")]
            project = asyncio.ensure_future(threads.ask(recorder(log, "project"), None))
            await asyncio.sleep(0)  # (the task sends its work when it first runs)
            after = [threads.sync(recorder(log, f"after {k}"), k) for k in ("A", "C")]
            await asyncio.sleep(0.1)
            assert "start project" not in log and not any(e.startswith("start after") for e in log)
            gate.set()
            await asyncio.wait_for(project, LIMIT)
            for future in before + after:
                future.result(LIMIT)
        finally:
            threads.stop()

    asyncio.run(scenario())
    start, end = log.index("start project"), log.index("end project")
    assert end == start + 1  # nothing else ran meanwhile
    assert all(log.index(f"end before {k}") < start for k in ("A", "B"))
    assert all(log.index(f"start after {k}") > end for k in ("A", "C"))


def test_one_document_in_order_and_its_edits_before_its_lint() -> None:
    log: list[str] = []

    async def scenario() -> None:
        threads = AnalysisThreads(threads=3)
        try:
            gate = threading.Event()
            first = threads.sync(recorder(log, "edit 1", gate), "A")
            lint = asyncio.ensure_future(threads.background(lambda cancel: recorder(log, "lint")(), "A"))
            await asyncio.sleep(0)
            second = threads.sync(recorder(log, "edit 2"), "A")
            other = threads.sync(recorder(log, "other document"), "B")
            other.result(LIMIT)  # another document is not held up by A's slow edit
            assert "end edit 1" not in log
            gate.set()
            await asyncio.wait_for(lint, LIMIT)
            first.result(LIMIT), second.result(LIMIT)
        finally:
            threads.stop()

    asyncio.run(scenario())
    assert log.index("end edit 1") < log.index("start edit 2") < log.index("end edit 2") < log.index("start lint")


def test_cancelled_whole_project_work_stops_holding_up_what_came_after_it() -> None:
    log: list[str] = []

    async def scenario() -> None:
        threads = AnalysisThreads(threads=2)
        try:
            gate = threading.Event()
            slow = threads.sync(recorder(log, "slow A", gate), "A")
            project = asyncio.ensure_future(threads.ask(recorder(log, "project"), None))
            await asyncio.sleep(0)
            after = threads.sync(recorder(log, "after B"), "B")
            await asyncio.sleep(0.05)
            assert "start after B" not in log  # held up behind the whole-project work
            project.cancel()  # (the server gives up on it: $/cancelRequest or its time limit)
            await asyncio.wait_for(asyncio.wrap_future(after), LIMIT)  # runs now, while A's slow work runs
            assert "end slow A" not in log
            gate.set()
            slow.result(LIMIT)
        finally:
            threads.stop()

    asyncio.run(scenario())
    assert "start project" not in log
