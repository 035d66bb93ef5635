"""Reading the editor's messages: each framed message is read whole on a thread of its own and
handed to the event loop in one step.

pygls 2.1.1's `StdinAsyncReader` runs every header line and every body read through the
server's thread pool: three or four hand-overs between threads per message, and each one waits
for the interpreter lock while the analysis threads hold it. Under load that was most of a
request's latency (bench/fuzz_lsp.py, timed at each hop: p50 1.1 ms and p99 210 ms from the
supervisor writing a request to the server's loop handling it, against p99 48 ms for handling
and answering it). Here one thread reads the message and the loop gets it with one wake-up.

The framing is read as pygls's loop (`pygls.io_.run_async`) reads it, which still does the
parsing: header lines until an empty one after a Content-Length, then that many bytes. Lines
that are not part of a message (an editor's garbage) are handed over as they come, and the loop
skips them as before. This can go when pygls reads stdin without its thread pool.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections import deque
from typing import BinaryIO

CONTENT_LENGTH = re.compile(rb"^Content-Length: (\d+)\r\n$")
STRAY_LINES = 64  # header lines without a message are handed over in batches of at most this


class FramedStdinReader:
    """pygls's AsyncReader (`readline`, `readexactly`) over a binary stream."""

    def __init__(self, stdin: BinaryIO) -> None:
        self._stdin = stdin
        self._lines: deque[bytes] = deque()
        self._body = b""
        self._queue: asyncio.Queue[tuple[list[bytes], bytes | None]] | None = None
        self._thread: threading.Thread | None = None

    async def readline(self) -> bytes:
        if not self._lines:
            lines, body = await self._next()
            self._lines.extend(lines)
            self._body = body or b""
            if not self._lines:
                return b""  # end of input
        return self._lines.popleft()

    async def readexactly(self, n: int) -> bytes:
        body, self._body = self._body, b""
        return body[:n]

    async def _next(self) -> tuple[list[bytes], bytes | None]:
        if self._queue is None:
            loop = asyncio.get_running_loop()
            self._queue = asyncio.Queue()
            self._thread = threading.Thread(
                target=self._read, args=(loop, self._queue), name="spcopilot-stdin", daemon=True
            )
            self._thread.start()
        return await self._queue.get()

    def _read(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[tuple[list[bytes], bytes | None]]) -> None:
        def hand_over(lines: list[bytes], body: bytes | None) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, (lines, body))

        lines: list[bytes] = []
        length = 0
        try:
            while True:
                line = self._stdin.readline()
                if not line:
                    break
                lines.append(line)
                if not length and (found := CONTENT_LENGTH.fullmatch(line)) is not None:
                    length = int(found.group(1))
                if length and not line.strip():
                    body = self._stdin.read(length)
                    hand_over(lines, body)
                    lines, length = [], 0
                    if not body:
                        break
                elif len(lines) >= STRAY_LINES or (not length and not line.strip()):
                    hand_over(lines, None)
                    lines = []
        except (OSError, ValueError):
            pass  # the stream closed under us: end of input
        if lines:
            hand_over(lines, None)
        hand_over([], None)  # end of input
