"""What the language server is working on, told to its supervisor (supervisor.py) through a
pipe it inherited: `B <thread> <uri>` when an analysis thread starts work on a document,
`E <thread>` when it ends, and `H` from a heartbeat thread every HEARTBEAT_S.

A parser stuck in native code holds the interpreter lock, so the heartbeat stops: that is how
the supervisor tells a stuck parser (kill, restart, leave that document alone) from a busy one
(wait). Writes are non-blocking and small (atomic on a pipe); a full pipe drops a marker rather
than stall the analysis.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time

ENV = "SPCOPILOT_SUPERVISOR_FD"
HEARTBEAT_S = 0.25
_PROCESS_MARKERS: Markers | None = None


class Markers:
    def __init__(self, fd: int | None) -> None:
        self.fd = fd
        self._beating = False
        if fd is not None:
            os.set_blocking(fd, False)

    @classmethod
    def from_environment(cls) -> Markers:
        """The process's markers (one pipe per process: the first call takes it)."""
        global _PROCESS_MARKERS
        if _PROCESS_MARKERS is None:
            value = os.environ.pop(ENV, "")
            _PROCESS_MARKERS = cls(int(value)) if value.isdigit() else cls(None)
        return _PROCESS_MARKERS

    def begin(self, uri: str | None) -> None:
        if self.fd is not None and uri:
            text = uri.encode("utf-8", "replace").replace(b"\n", b" ")
            self._write(b"B %d " % threading.get_ident() + text + b"\n")

    def end(self, uri: str | None) -> None:
        if self.fd is not None and uri:
            self._write(b"E %d\n" % threading.get_ident())

    def start_heartbeat(self) -> None:
        if self.fd is None or self._beating:
            return
        self._beating = True

        def beat() -> None:
            while self._write(b"H\n"):
                time.sleep(HEARTBEAT_S)

        threading.Thread(target=beat, name="spcopilot-heartbeat", daemon=True).start()

    def _write(self, data: bytes) -> bool:
        """False once the supervisor is gone."""
        fd = self.fd
        if fd is None:
            return False
        try:
            os.write(fd, data[:4000])
        except BlockingIOError:
            return True
        except OSError:
            self.fd = None
            with contextlib.suppress(OSError):
                os.close(fd)
            return False
        return True
