"""The analysis threads: where the documents are parsed, linted and asked about, so the event
loop (the protocol, inline completion, compile on save) never waits on analysis, and one slow
document does not hold up the others.

They own the project (open documents with their trees, lint sessions and views); nothing else
touches it. Every piece of work names the document it is about (its key) or none (it touches
the whole project: configuration, changed files, the list of include indexes):

- work on one document runs in the order it was sent, one piece at a time, so a request sees
  exactly the edits the editor sent before it; work on different documents runs at once on
  ANALYSIS_THREADS threads (tree-sitter holds the interpreter lock inside a parse or a query,
  but the engine's progress callbacks hand it over every few milliseconds);
- work on no document waits for everything sent before it, and holds back everything sent
  after it, until it is done;
- two lanes per document: `ordered` (document sync and requests) goes before `background`
  (lints) of the same document. A lint checks its cancel event as it goes (the engine's
  budget): an edit to its document, a close, or the lint's time budget stops it;
- a document whose last piece of work took longer than SLOW_S is slow (a megabyte of broken
  code: a second a request); slow documents' work runs on all threads but one, so the others'
  never waits for a thread behind them (bench/fuzz_lsp.py: with three such documents open,
  every request on a plugin waited for seconds).

What the engine cannot stop (a parser stuck in native code holding the interpreter lock) is the
supervisor's job: it watches `Markers` (supervisor.py), which say what each thread works on.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from spcopilot.server.lsp.markers import Markers

log = logging.getLogger(__name__)
T = TypeVar("T")
ANALYSIS_THREADS = 3
SLOW_S = 0.25  # a document whose last piece of work took longer is slow (see above)
# How often a thread that wants the interpreter lock gets it from one that runs Python code
# (Python's default: 5 ms). An answer takes a dozen hand-overs (read, dispatch, the analysis
# thread, the reply), each up to this long while analysis threads are busy; bench/fuzz_lsp.py
# (10,000 versions, 40 % pathological documents): p99 per request kind 136-500 ms at 5 ms,
# 32-169 ms at 1 ms, no better at 0.5 ms. Set for the language server's own process only.
SWITCH_INTERVAL_S = 0.001


class Obsolete(Exception):
    """The work's document changed or closed before it ran, or the server is stopping."""


@dataclass(eq=False)
class Job:
    run: Callable[[], Any]
    future: Future[Any]
    key: str | None  # the document's uri; None: the whole project
    background: bool = False
    serial: int = 0
    sync: bool = False  # document sync: quick whatever the document, so it says nothing of its cost
    question: bool = False  # a request about the document (`question`): an edit cancels it
    cancelled: threading.Event = field(default_factory=threading.Event)


class AnalysisThreads:
    def __init__(self, markers: Markers | None = None, threads: int = ANALYSIS_THREADS, slow_s: float = SLOW_S) -> None:
        self._pending: list[Job] = []  # in the order they were sent
        self._running: list[Job] = []
        self._slow: set[str] = set()  # documents whose last piece of work took longer than slow_s
        self._slow_s = slow_s
        self._slow_threads = max(1, threads - 1)  # at most this many run slow documents' work
        self._wake = threading.Condition()
        self._serials = itertools.count()
        self._stopped = False
        self.markers = markers or Markers(None)
        self.busy_s = 0.0  # time spent on work (for the benchmarks)
        self._threads = [
            threading.Thread(target=self._loop, name=f"spcopilot-analysis-{i}", daemon=True) for i in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    # -- submitting --------------------------------------------------------------------------
    def sync(self, run: Callable[[], Any], key: str | None) -> Future[Any]:
        """Ordered work whose answer nobody awaits (document sync): errors are logged."""
        job = self._submit(run, key, background=False)
        job.sync = True
        job.future.add_done_callback(_log_failure)
        return job.future

    async def ask(self, run: Callable[[], T], key: str | None) -> T:
        """Ordered work, awaited: runs after everything sent before it about the same document
        (or, for key None, before it at all)."""
        return await self._await(self._submit(run, key, background=False))

    async def question(self, run: Callable[[threading.Event], T], key: str) -> T:
        """Ordered work that answers a request about one document, given its cancel event: an
        edit of the document sent after it cancels it (LSP's ContentModified case: its answer
        would describe a text the editor no longer has), so a document edited faster than it
        can be analysed does not pile up parses nobody will read (bench/fuzz_lsp.py). Raises
        Obsolete when cancelled before it ran."""
        job = self._submit(lambda: run(job.cancelled), key, background=False)
        job.question = True
        return await self._await(job)

    async def background(self, run: Callable[[threading.Event], T], key: str | None) -> T:
        """A lint: given its cancel event; raises Obsolete when its document changes first."""
        job = self._submit(lambda: run(job.cancelled), key, background=True)
        return await self._await(job)

    def _submit(self, run: Callable[[], Any], key: str | None, background: bool) -> Job:
        job = Job(run, Future(), key, background, next(self._serials))
        with self._wake:
            if self._stopped:
                job.future.set_exception(Obsolete("the server is shutting down"))
                return job
            if key is None and not background:  # it waits for what runs: lints are redone after it
                for running in self._running:
                    if running.background:
                        running.cancelled.set()
            self._pending.append(job)
            self._wake.notify()
        return job

    async def _await(self, job: Job) -> Any:
        try:
            return await asyncio.wrap_future(job.future)
        except asyncio.CancelledError:  # $/cancelRequest, or the handler's task was cancelled
            with self._wake:
                job.cancelled.set()
                self._wake.notify_all()  # (not started yet: it leaves the queue now)
            raise

    # -- cancelling --------------------------------------------------------------------------
    def changed(self, key: str) -> None:
        """The document changed (or closed): its background work and the questions asked about
        it before are obsolete."""
        with self._wake:
            for job in (*self._pending, *self._running):
                if (job.background or job.question) and job.key == key:
                    job.cancelled.set()
            self._wake.notify_all()  # (those not started leave the queue)

    def closed(self, key: str) -> None:
        """The document closed: as `changed`, and its cost is forgotten."""
        self.changed(key)
        with self._wake:
            self._slow.discard(key)

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            for job in self._pending:
                job.cancelled.set()
                job.future.cancel()
            self._pending.clear()
            for job in self._running:
                job.cancelled.set()
            self._wake.notify_all()

    # -- the threads -------------------------------------------------------------------------
    def _next(self) -> Job | None:
        """The first job that may start now (under the lock): ordered before background, each
        document's work in order and one at a time, work on no document alone. Ordered work on
        no document is a barrier: what was sent before it runs first, what was sent after it
        waits, so only the jobs ahead of it are considered (a lint ahead of it must not wait for
        an edit behind it: that was a deadlock, found by bench/fuzz_lsp.py)."""
        for job in [job for job in self._pending if job.cancelled.is_set()]:
            self._pending.remove(job)  # cancelled before it started: holds nothing up any longer
            if not job.future.done():
                job.future.set_exception(Obsolete("cancelled before it ran"))
        if any(job.key is None for job in self._running):
            return None
        barrier = next((i for i, job in enumerate(self._pending) if job.key is None and not job.background), None)
        if barrier == 0:
            return None if self._running else self._pending[0]
        ahead = self._pending if barrier is None else self._pending[:barrier]
        busy = {job.key for job in self._running}
        slow_full = sum(1 for job in self._running if job.key in self._slow) >= self._slow_threads
        waiting: set[str | None] = set()  # documents with earlier ordered work not started
        candidate: Job | None = None
        for job in ahead:
            if job.key is None:  # background work on no document: alone, when nothing else is due
                if not self._running and candidate is None and not waiting:
                    candidate = job
                continue
            if job.key in busy or job.key in waiting or (slow_full and job.key in self._slow):
                waiting.add(job.key)
                continue
            if not job.background:
                return job
            if candidate is None and not any(j.key == job.key and not j.background for j in ahead):
                candidate = job
        return candidate

    def _loop(self) -> None:
        while True:
            with self._wake:
                job = None
                while not self._stopped and (job := self._next()) is None:
                    self._wake.wait()
                if self._stopped or job is None:
                    return
                self._pending.remove(job)
                self._running.append(job)
            started = time.perf_counter()
            try:
                self._run(job)
            finally:
                with self._wake:
                    self._running.remove(job)
                    if job.key is not None and time.perf_counter() - started > self._slow_s:
                        self._slow.add(job.key)
                    elif job.key is not None and not job.sync and not job.cancelled.is_set():
                        self._slow.discard(job.key)
                    self._wake.notify_all()

    def _run(self, job: Job) -> None:
        if job.cancelled.is_set() or not job.future.set_running_or_notify_cancel():
            if not job.future.done():
                job.future.set_exception(Obsolete("cancelled before it ran"))
            return
        started = time.perf_counter()
        self.markers.begin(job.key)
        try:
            result = job.run()
        except BaseException as error:
            job.future.set_exception(error)
        else:
            job.future.set_result(result)
        finally:
            self.markers.end(job.key)
            self.busy_s += time.perf_counter() - started


def _log_failure(future: Future[Any]) -> None:
    if future.cancelled():
        return
    error = future.exception()
    if error is not None and not isinstance(error, Obsolete):
        log.error("analysis work failed: %s", error, exc_info=error)
