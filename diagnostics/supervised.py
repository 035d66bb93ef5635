"""Work on untrusted input in child processes that can be stopped: a call that runs past its time
limit gets its child killed (and a fresh one next time); a child that dies is reported, not fatal.

Why a process and not a thread: tree-sitter's parse holds the GIL for its whole run, and a
grammar scanner stuck in its own loop never calls back into Python, so neither a progress
callback nor a watchdog thread can stop it, and every other thread of the process stops with it
(measured: engine.py's module docs). Used by `spcopilot check` (checker.py: per-file time limit),
the grammar fuzzer (bench/fuzz_grammar.py) and the tests that parse hostile input.

```python
with Worker(parse_and_describe) as worker:
    outcome = worker.call(b"#define X /*", timeout=5.0)
    outcome.status  # "ok", "timeout", "crashed" (the signal or exit code in .detail) or "error"
```
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

OK, TIMEOUT, CRASHED, ERROR = "ok", "timeout", "crashed", "error"


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # OK, TIMEOUT, CRASHED or ERROR (the function raised: its traceback in `detail`)
    value: Any = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == OK


def _serve(
    conn: Connection,
    function: Callable[[Any], Any],
    initializer: Callable[..., None] | None,
    initargs: tuple[Any, ...],
) -> None:
    # Ctrl-C reaches the whole process group: the parent decides what stops (it kills us).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer(*initargs)
    while True:
        try:
            payload = conn.recv()
        except EOFError:
            return  # the parent went away
        if payload is None:
            return
        try:
            reply: tuple[str, Any, str] = (OK, function(payload), "")
        except Exception:
            reply = (ERROR, None, traceback.format_exc())
        conn.send(reply)


def describe_exit(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"


class Worker:
    """One child process that runs `function(payload)`, one call at a time. `function`,
    `initializer` and payloads must pickle (module-level functions, plain data)."""

    def __init__(
        self,
        function: Callable[[Any], Any],
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
        context: str | None = None,
    ) -> None:
        self._function = function
        self._initializer = initializer
        self._initargs = initargs
        self._context: Any = multiprocessing.get_context(context)
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self.busy = False  # a payload was sent and its reply not yet read (see submit/collect)
        self.started = 0  # how many children this worker has started (1 + replacements)

    # -- one call, waited for ------------------------------------------------------------------
    def call(self, payload: Any, timeout: float | None) -> Outcome:
        self.submit(payload)
        return self.collect(timeout)

    # -- the same in two steps, for a pool that waits on many workers at once ----------------
    @property
    def connection(self) -> Connection:
        """The pipe to wait on (multiprocessing.connection.wait) while a call is in flight."""
        assert self._conn is not None
        return self._conn

    def submit(self, payload: Any) -> None:
        if self._process is None or not self._process.is_alive():
            self._start()
        assert self._conn is not None
        self._conn.send(payload)
        self.busy = True

    def collect(self, timeout: float | None = 0.0) -> Outcome:
        """The reply to the payload submitted, waiting at most `timeout` seconds; past it the child
        is killed (Outcome TIMEOUT)."""
        assert self._conn is not None and self._process is not None
        self.busy = False
        if not self._conn.poll(timeout):
            self.kill()
            return Outcome(TIMEOUT, detail=f"no answer within {timeout:g} s")
        try:
            status, value, detail = self._conn.recv()
        except (EOFError, OSError):
            process = self._process
            self.kill()
            return Outcome(CRASHED, detail=describe_exit(process.exitcode))
        return Outcome(status, value, detail)

    def _start(self) -> None:
        self.kill()
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_serve, args=(child, self._function, self._initializer, self._initargs), daemon=True
        )
        process.start()
        child.close()
        self._process, self._conn = process, parent
        self.started += 1

    def kill(self) -> None:
        """Stop the child now (SIGKILL); the next call starts a fresh one."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        self.busy = False
        if conn is not None:
            conn.close()
        if process is not None:
            if process.is_alive():
                process.kill()
            process.join()

    def close(self) -> None:
        """Let the child finish (it is idle between calls) and wait for it."""
        process, conn = self._process, self._conn
        if process is not None and conn is not None and process.is_alive():
            with contextlib.suppress(OSError):
                conn.send(None)
            process.join(timeout=5)
        self.kill()

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
