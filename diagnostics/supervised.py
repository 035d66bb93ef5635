"""Work on untrusted input in child processes that can be stopped: a call that runs past its time
limit gets its child killed (and a fresh one next time); a child that dies is reported, not fatal.

Why a process and not a thread: tree-sitter's parse holds the GIL for its whole run, and a
grammar scanner stuck in its own loop never calls back into Python, so neither a progress
callback nor a watchdog thread can stop it, and every other thread of the process stops with it
(measured: engine.py's module docs). Used by `spcopilot check` (checker.py: per-file time limit),
the grammar fuzzer (bench/fuzz_grammar.py) and the tests that parse hostile input.

```python
with Worker(parse_and_describe) as worker:
    outcome = worker.call(b"#define X /*", timeout=60.0, cpu_seconds=5.0)
    outcome.status  # "ok", "timeout", "crashed" (the signal or exit code in .detail) or "error"
```
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import signal
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

try:
    import resource
except ImportError:  # Windows: wall-clock limits only
    resource = None  # type: ignore[assignment]

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
            message = conn.recv()
        except EOFError:
            return  # the parent went away
        if message is None:
            return
        payload, cpu_seconds = message
        _limit_cpu(cpu_seconds)
        try:
            reply: tuple[str, Any, str] = (OK, function(payload), "")
        except Exception:
            reply = (ERROR, None, traceback.format_exc())
        _limit_cpu(None)
        conn.send(reply)


def _limit_cpu(seconds: float | None) -> None:
    """Have the kernel stop this process (SIGXCPU) once this call has used `seconds` of CPU time
    (None: no limit). CPU time, not wall time: a loaded machine does not make a call time out,
    and a C loop holding the GIL is stopped all the same."""
    if resource is None:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if seconds is None:
        soft = hard
    else:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        soft = math.ceil(usage.ru_utime + usage.ru_stime + seconds)
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


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
        self.cpu_seconds: float | None = None  # the CPU limit of the call in flight
        self.started = 0  # how many children this worker has started (1 + replacements)

    # -- one call, waited for ------------------------------------------------------------------
    def call(self, payload: Any, timeout: float | None, cpu_seconds: float | None = None) -> Outcome:
        """`function(payload)` in the child: at most `timeout` seconds of wall time and (where
        the OS can limit it) `cpu_seconds` of CPU time; past either the child is stopped."""
        self.submit(payload, cpu_seconds)
        return self.collect(timeout)

    # -- the same in two steps, for a pool that waits on many workers at once ----------------
    @property
    def connection(self) -> Connection:
        """The pipe to wait on (multiprocessing.connection.wait) while a call is in flight."""
        assert self._conn is not None
        return self._conn

    def submit(self, payload: Any, cpu_seconds: float | None = None) -> None:
        if self._process is None or not self._process.is_alive():
            self._start()
        assert self._conn is not None
        self._conn.send((payload, cpu_seconds))
        self.busy = True
        self.cpu_seconds = cpu_seconds

    def collect(self, timeout: float | None = 0.0) -> Outcome:
        """The reply to the payload submitted, waiting at most `timeout` seconds; past it the child
        is killed (Outcome TIMEOUT)."""
        assert self._conn is not None and self._process is not None
        self.busy = False
        if not self._conn.poll(timeout):
            self.kill()
            return Outcome(TIMEOUT, detail=f"gave no answer within {timeout:g} s")
        try:
            status, value, detail = self._conn.recv()
        except (EOFError, OSError):
            process = self._process
            self.kill()
            if resource is not None and process.exitcode == -signal.SIGXCPU:
                return Outcome(TIMEOUT, detail=f"used more than {self.cpu_seconds:g} s of CPU time")
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
