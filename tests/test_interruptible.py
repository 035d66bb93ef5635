"""The tests that send SIGINT start their child through tests/interruptible.py: the child gets
SIGINT's default action even when the suite runs with SIGINT ignored (nohup, `trap '' INT`)."""

from __future__ import annotations

import subprocess
import sys

from tests.interruptible import interruptible

# What the child's Python made of SIGINT at start-up.
REPORT = [sys.executable, "-c", "import signal; print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)"]


def under_ignored_sigint(argv: list[str]) -> str:
    """`argv` started from a shell that ignores SIGINT, as a suite under `nohup` would start it."""
    done = subprocess.run(
        ["sh", "-c", "trap '' INT; exec \"$@\"", "sh", *argv], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_an_ignored_sigint_is_inherited_without_it() -> None:
    assert under_ignored_sigint(REPORT) == "False"  # the problem: Ctrl-C would do nothing


def test_interruptible_restores_it() -> None:
    assert under_ignored_sigint(interruptible(REPORT)) == "True"
