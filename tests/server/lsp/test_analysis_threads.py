"""The analysis threads' scheduling (server/lsp/analysis.py), with jobs that block on events so
the order is decided by the test, never by the machine's speed. Every wait has a limit, so a
deadlock fails the test instead of wedging the run."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from spcopilot.server.lsp.analysis import AnalysisThreads, Obsolete

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


def test_slow_documents_leave_a_thread_to_the_others() -> None:
    """A, B and D each took longer than slow_s last time. With A's and B's next pieces blocked on
    two of the three threads, D's waits (slow documents get all threads but one), and C's
    request runs on the thread left."""
    log: list[str] = []

    def slow(name: str) -> Callable[[], str]:
        def run() -> str:
            log.append(f"start {name}")
            threading.Event().wait(0.05)  # longer than slow_s: marks its document slow
            return name

        return run

    async def scenario() -> None:
        threads = AnalysisThreads(threads=3, slow_s=0.01)
        try:
            first = [threads.ask(slow(f"{key}0"), key) for key in "ABD"]
            await asyncio.wait_for(asyncio.gather(*first), LIMIT)
            gate = threading.Event()
            a = asyncio.ensure_future(threads.ask(recorder(log, "A1", gate), "A"))
            b = asyncio.ensure_future(threads.ask(recorder(log, "B1", gate), "B"))
            await asyncio.sleep(0.05)
            d = asyncio.ensure_future(threads.ask(recorder(log, "D1"), "D"))
            c = await asyncio.wait_for(threads.ask(recorder(log, "C"), "C"), LIMIT)
            assert c == "C" and not a.done() and not b.done() and not d.done()
            gate.set()
            await asyncio.wait_for(asyncio.gather(a, b, d), LIMIT)
        finally:
            threads.stop()

    asyncio.run(scenario())
    started = [entry for entry in log if entry.startswith("start")]
    assert started.index("start C") < started.index("start D1")
    assert "start D1" not in started[:6]  # (A0, B0, D0, A1, B1, C: D1 only once A1 or B1 ended)


def test_an_edit_cancels_the_questions_asked_before_it() -> None:
    """A question about A still queued leaves the queue (Obsolete) when A changes, and one that
    runs sees its cancel event set; a question asked after the edit is answered."""
    log: list[str] = []

    async def scenario() -> None:
        threads = AnalysisThreads(threads=1)
        try:
            gate = threading.Event()

            def running(cancel: threading.Event) -> bool:
                gate.set()
                return cancel.wait(LIMIT)  # until the edit says so

            first = asyncio.ensure_future(threads.question(running, "A"))
            assert await asyncio.to_thread(gate.wait, LIMIT)
            queued = asyncio.ensure_future(threads.question(lambda cancel: log.append("queued ran"), "A"))
            await asyncio.sleep(0.05)
            threads.changed("A")
            edit = threads.sync(lambda: log.append("edit"), "A")
            assert await asyncio.wait_for(first, LIMIT) is True
            try:
                await asyncio.wait_for(queued, LIMIT)
                raise AssertionError("the queued question ran")
            except Obsolete:
                pass
            edit.result(LIMIT)
            after = await asyncio.wait_for(threads.question(lambda cancel: cancel.is_set(), "A"), LIMIT)
            assert after is False
        finally:
            threads.stop()

    asyncio.run(scenario())
    assert log == ["edit"]
