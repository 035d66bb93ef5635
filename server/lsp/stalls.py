"""Finding what holds the interpreter lock in the language server.

A thread wakes every PERIOD_S; when it wakes more than LATE_S late, some thread kept the lock
(a parse of bytes, a regular expression, a garbage collection, a lock shared by accident) or the
process was not scheduled, and it writes every other thread's innermost frames to a file, one
JSON line a stall. A thread that held the lock through one long call is found just past that
call. Off unless the environment variable SPCOPILOT_STALL_LOG names the file; `python
bench/fuzz_lsp.py --stalls FILE` sets it for the server and sums the file up by stack. This is
how session 7 found what made the p99 of plugin requests go past 100 ms under the fuzz (README,
*Hostile input: the server*).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from types import FrameType
from typing import TextIO

ENV = "SPCOPILOT_STALL_LOG"
PERIOD_S = 0.002
LATE_S = 0.025
FRAMES = 6  # innermost frames kept per thread


def start_from_environment() -> threading.Thread | None:
    path = os.environ.get(ENV)
    if not path:
        return None
    try:
        out = open(path, "a", encoding="utf-8")  # noqa: SIM115 (open for the life of the process)
    except OSError as error:  # a debugging aid: the server starts without it, and says why
        print(f"spcopilot: {ENV}: cannot write {path!r} ({error.strerror}); not recording stalls", file=sys.stderr)
        return None
    thread = threading.Thread(target=watch, args=(out,), name="spcopilot-stalls", daemon=True)
    thread.start()
    return thread


def watch(out: TextIO, period_s: float = PERIOD_S, late_s: float = LATE_S, stop: threading.Event | None = None) -> None:
    me = threading.get_ident()
    while stop is None or not stop.is_set():
        before = time.perf_counter()
        time.sleep(period_s)
        late = time.perf_counter() - before - period_s
        if late > late_s:
            record = {"at": round(before, 4), "late_ms": round(late * 1000, 1), "threads": stacks(skip=me)}
            out.write(json.dumps(record) + "\n")
            out.flush()


def stacks(skip: int | None = None) -> dict[str, list[str]]:
    """Each thread's innermost FRAMES frames, outermost first, as `file:line:function`."""
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    return {
        names.get(ident, str(ident)): _frames(frame) for ident, frame in sys._current_frames().items() if ident != skip
    }


def _frames(frame: FrameType | None) -> list[str]:
    found: list[str] = []
    while frame is not None and len(found) < FRAMES:
        code = frame.f_code
        found.append(f"{os.path.basename(code.co_filename)}:{frame.f_lineno}:{code.co_name}")
        frame = frame.f_back
    return found[::-1]
