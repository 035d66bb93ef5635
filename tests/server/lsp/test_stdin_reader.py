"""The server's stdin reader hands pygls's message loop exactly what pygls's own reader does,
for well-formed messages, garbage between them, split headers and a truncated end."""

from __future__ import annotations

import asyncio
import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pygls.io_ import StdinAsyncReader, run_async
from spcopilot.server.lsp.stdin_reader import STRAY_LINES, FramedStdinReader


class Recorder:
    """The protocol side of pygls's loop: records what it is handed."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    def structure_message(self, data: dict[str, Any]) -> Any:
        return data

    def handle_message(self, message: Any) -> None:
        self.messages.append(message)


def framed(body: dict[str, Any] | bytes, extra_header: bytes = b"") -> bytes:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return b"Content-Length: %d\r\n" % len(data) + extra_header + b"\r\n" + data


def messages_read(data: bytes, reader_kind: str) -> list[Any]:
    recorder = Recorder()
    stream = io.BytesIO(data)

    async def run() -> None:
        if reader_kind == "ours":
            reader: Any = FramedStdinReader(stream)
        else:
            reader = StdinAsyncReader(stream, ThreadPoolExecutor(1))
        await run_async(threading.Event(), reader, recorder)  # type: ignore[arg-type]

    asyncio.run(asyncio.wait_for(run(), 10))
    return recorder.messages


INPUTS = {
    "two messages": framed({"id": 1, "method": "a"}) + framed({"method": "b", "params": {"text": "é\r\n" * 5}}),
    "another header": framed({"id": 2}, b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"),
    "garbage lines between": b"hello\r\n\r\n" + framed({"id": 3}) + b"junk\n\r\n" + framed({"id": 4}),
    "many stray lines": b"x\r\n" * (3 * STRAY_LINES + 5) + framed({"id": 5}),
    "not JSON": framed(b"{not json") + framed({"id": 6}),
    "a megabyte body": framed({"method": "big", "params": {"text": "x" * 1_000_000}}),
    "cut off in the body": framed({"id": 7}) + b'Content-Length: 100\r\n\r\n{"id": 8',
    "cut off in the header": framed({"id": 9}) + b"Content-Len",
    "empty": b"",
}


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_the_loop_gets_what_pygls_reader_gives_it(name: str) -> None:
    data = INPUTS[name]
    ours = messages_read(data, "ours")
    assert ours == messages_read(data, "pygls")
    assert len(ours) == data.count(b"Content-Length") - data.count(b"{not json") - data.count(b'{"id": 8')
