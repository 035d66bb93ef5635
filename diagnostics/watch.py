"""`spcopilot check --watch`: check, then check again whenever a checked file, an include file
beside them or the configuration changes, until Ctrl-C.

Changes are found by polling modification times and sizes twice a second (no watcher library,
nothing to install; a tree of a thousand files costs a few milliseconds a poll). Ctrl-C ends it
with exit code 0, also when the process was started with SIGINT ignored (a background job of a
non-interactive shell): watch mode puts Python's own handler back.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from spcopilot.diagnostics.errors import SpcopilotError

POLL_S = 0.5
WATCHED_SUFFIXES = (".sp", ".inc")
Snapshot = dict[str, tuple[int, int]]


def snapshot(paths: Sequence[Path], extra: Sequence[Path] = ()) -> Snapshot:
    """(modification time, size) of every file a check reads: files named, .sp/.inc under
    folders (hidden folders skipped), and `extra` (the configuration)."""
    found: Snapshot = {}

    def add(path: str) -> None:
        try:
            st = os.stat(path)
        except OSError:
            return
        found[path] = (st.st_mtime_ns, st.st_size)

    for root in paths:
        if root.is_dir():
            for folder, dirs, names in os.walk(root, followlinks=False):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for name in names:
                    if name.endswith(WATCHED_SUFFIXES):
                        add(os.path.join(folder, name))
        else:
            add(str(root))
    for path in extra:
        add(str(path))
    return found


def watch(
    paths: Sequence[Path],
    check: Callable[[], int],
    config_file: Path | None = None,
    poll_s: float = POLL_S,
    stop: threading.Event | None = None,
) -> int:
    """Run `check`, then again after every change, until Ctrl-C (or `stop`, for callers in a thread)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
    extra = [config_file] if config_file is not None else []
    try:
        seen = snapshot(paths, extra)
        _run(check)
        while stop is None or not stop.is_set():
            time.sleep(poll_s)
            now = snapshot(paths, extra)
            if now == seen:
                continue
            seen = now
            print(f"\n[{time.strftime('%H:%M:%S')}] files changed: checking again", file=sys.stderr, flush=True)
            _run(check)
    except KeyboardInterrupt:
        print("", file=sys.stderr)
    return 0


def _run(check: Callable[[], int]) -> None:
    try:
        check()
    except SpcopilotError as error:  # a broken configuration mid-watch: say so and keep watching
        print(f"error: {error}", file=sys.stderr, flush=True)
    print("Watching for file changes (Ctrl-C to stop).", file=sys.stderr, flush=True)
