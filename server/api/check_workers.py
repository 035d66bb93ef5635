"""/v1/check runs in worker processes, in two lanes by size.

- An input that hangs or crashes the parser (native code: no thread of the process that runs
  it comes back) costs one worker, killed and replaced, and that request a clear error; the API
  process and every other request go on.
- Every check has a time limit (`Limits.check_timeout_s`, 504 beyond).
- Small bodies (up to LARGE_BYTES of code) have SMALL_WORKERS workers of their own; larger ones
  go to one worker that runs at a lower CPU priority. One heavy request therefore never takes a
  worker a small one could use, and the operating system gives the small ones the CPU first
  (bench/fuzz_api.py measures it).

Workers start with the first check (spawned, not forked: the API process has threads; about a
second, so a server that only answers model requests never pays for them) and keep their engine
warm between requests: the include indexes, the compiled queries, the caches.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from spcopilot.diagnostics.config import Config
from spcopilot.server.api.errors import ApiError

log = logging.getLogger("spcopilot.api")
LARGE_BYTES = 64 * 1024
SMALL_WORKERS = 2
LARGE_NICE = 10


def _serve(conn: Connection, config: Config, nice: int) -> None:
    """A worker: checks what it is sent, one at a time, until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the API's to handle
    if nice:
        with contextlib.suppress(OSError):
            os.nice(nice)
    from spcopilot.diagnostics.linter import Linter
    from spcopilot.server.api.checking import check_code

    linter = Linter(config)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", check_code(linter, *job)))
        except Exception as error:  # a bug in a rule: the answer says so, the worker lives
            log.exception("checking failed")
            conn.send(("error", f"{type(error).__name__}: {error}"))


@dataclass(eq=False)
class Worker:
    config: Config
    nice: int
    process: Any = None
    conn: Connection | None = None

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, self.config, self.nice), daemon=True)
        self.process.start()
        child.close()
        self.conn = parent

    def stop(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(OSError):
                self.conn.close()
        if self.process is not None and self.process.is_alive():
            self.process.kill()
            self.process.join(5)

    def check(self, job: tuple[Any, ...], timeout: float) -> dict[str, Any]:
        """Blocking (run it in a thread). Raises ApiError 504 after `timeout`, 500 when the
        worker died on the input; either way the worker is replaced."""
        assert self.conn is not None
        try:
            self.conn.send(job)
            if not self.conn.poll(timeout):
                self._replace()
                raise ApiError(
                    504,
                    f"checking this text took longer than {timeout:g} s and was stopped; please report it",
                    "timeout_error",
                    "check_timeout",
                )
            status, answer = self.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            code = None
            if self.process is not None:
                self.process.join(5)  # it is gone or going: reap it for its exit status
                code = self.process.exitcode
            self._replace()
            raise ApiError(
                500,
                f"the checker {_how(code)} on this text and was restarted; please report the text",
                "server_error",
                "checker_crashed",
            ) from None
        if status != "ok":
            raise ApiError(500, f"checking failed: {answer}", "server_error", "check_failed")
        return answer

    def _replace(self) -> None:
        self.stop()
        self.start()


def _how(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"crashed ({signal.Signals(-code).name})"
        except ValueError:
            return f"crashed (signal {-code})"
    return "stopped"


@dataclass(eq=False)
class Lane:
    workers: list[Worker]
    idle: asyncio.Queue[Worker] | None = None

    def _queue(self) -> asyncio.Queue[Worker]:
        if self.idle is None:  # made on first use, on the event loop that serves requests
            self.idle = asyncio.Queue()
            for worker in self.workers:
                self.idle.put_nowait(worker)
        return self.idle

    async def check(self, job: tuple[Any, ...], timeout: float) -> dict[str, Any]:
        idle = self._queue()
        worker = await idle.get()
        try:
            return await asyncio.to_thread(worker.check, job, timeout)
        finally:
            idle.put_nowait(worker)


@dataclass(eq=False)
class CheckWorkers:
    config: Config
    small: Lane = field(init=False)
    large: Lane = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.small = Lane([Worker(self.config, 0) for _ in range(SMALL_WORKERS)])
        self.large = Lane([Worker(self.config, LARGE_NICE)])

    def start(self) -> None:
        """Spawn the workers (once; also done by the first check)."""
        with self._lock:
            for worker in (*self.small.workers, *self.large.workers):
                if worker.process is None:
                    worker.start()

    def stop(self) -> None:
        with self._lock:
            for worker in (*self.small.workers, *self.large.workers):
                worker.stop()

    async def check(self, code: str, path: str, fix: bool, unsafe: bool, timeout: float) -> dict[str, Any]:
        if self.small.workers[0].process is None:
            await asyncio.to_thread(self.start)
        lane = self.large if len(code.encode("utf-8", "surrogatepass")) > LARGE_BYTES else self.small
        return await lane.check((code, path, fix, unsafe), timeout)
