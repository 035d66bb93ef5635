"""Children that a test interrupts with SIGINT, as Ctrl-C would, whatever the suite inherited.

A suite started with SIGINT ignored (`nohup`, a runner that starts it in the background, a shell
after `trap '' INT`) passes the ignored signal on to every child it starts: Python then installs
no KeyboardInterrupt handler, and a test's `process.send_signal(SIGINT)` does nothing. A test
that sends SIGINT starts its command as `interruptible(argv)`: this file, run as a script,
restores SIGINT's default action and then becomes the command (exec: same process, same pid).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path


def interruptible(argv: Sequence[str | os.PathLike[str]]) -> list[str]:
    """`argv` started with SIGINT's default action (a Python child raises KeyboardInterrupt)."""
    return [sys.executable, str(Path(__file__).resolve()), *map(os.fspath, argv)]


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.execvp(sys.argv[1], sys.argv[1:])
