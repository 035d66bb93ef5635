"""`spcopilot check --watch` as a real process: it checks, checks again when a file changes, and
Ctrl-C (SIGINT) ends it with exit code 0 - also when it was started with SIGINT ignored, as a
background job of a non-interactive shell (and a test suite started that way) starts it."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

WAIT_S = 60.0


class Lines:
    """The lines of a pipe, read on a thread, waited for with a deadline."""

    def __init__(self, pipe) -> None:  # type: ignore[no-untyped-def]
        self.queue: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, args=(pipe,), daemon=True).start()

    def _read(self, pipe) -> None:  # type: ignore[no-untyped-def]
        for line in pipe:
            self.queue.put(line)

    def until(self, needle: str) -> list[str]:
        deadline = time.monotonic() + WAIT_S
        got = []
        while time.monotonic() < deadline:
            try:
                line = self.queue.get(timeout=0.2)
            except queue.Empty:
                continue
            got.append(line)
            self.seen.append(line)
            if needle in line:
                return got
        raise AssertionError(f"no {needle!r} within {WAIT_S} s; got {self.seen!r}")


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_watch_rechecks_on_change_and_ctrl_c_ends_it(tmp_path: Path) -> None:
    plugin = tmp_path / "p.sp"
    plugin.write_text("int g_iKills[MAXPLAYERS + 1];\n", encoding="utf-8")
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "spcopilot", "check", "--watch", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=tmp_path,
        preexec_fn=_ignore_sigint,  # as a background job: SIGINT ignored from the start
    )
    try:
        out = Lines(process.stdout)
        first = out.until("Watching for file changes")
        assert any("no findings" in line for line in first)
        plugin.write_text("int g_iKills[MAXPLAYERS];\nint g_iDeaths[MAXPLAYERS];\n", encoding="utf-8")
        second = out.until("Watching for file changes")
        assert any("files changed" in line for line in second)
        assert sum("SPC603" in line for line in second) == 2
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=WAIT_S) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
