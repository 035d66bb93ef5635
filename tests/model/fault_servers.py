"""Small local HTTP servers for the faults nothing real produces on demand: a server that
answers 429 before it answers, one that never answers in time, one that rejects the key, one
that starts an answer and then goes silent.
(The happy path and a server killed mid-stream use the real llama_cpp.server.)"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypeVar


def sse_chat(text: str) -> bytes:
    """An OpenAI chat-completions stream of `text`, word by word, then [DONE]."""
    chunks = []
    for i, word in enumerate(text.split(" ")):
        piece = word if i == 0 else " " + word
        chunks.append({"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "m",
                       "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})  # fmt: skip
    chunks.append({"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "m",
                   "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})  # fmt: skip
    return b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks) + b"data: [DONE]\n\n"


class LocalServer(ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 with a free port; `serving` runs it for a test."""

    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def release(self) -> None:
        """Let handlers that wait for the test's end go (before shutting down)."""


Server = TypeVar("Server", bound=LocalServer)


@contextmanager
def serving(server: Server) -> Iterator[Server]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release()
        server.shutdown()
        server.server_close()


class Scripted(BaseHTTPRequestHandler):
    """Answers POSTs from `server.script`: a list of ("status", seconds_to_wait, body) consumed in order."""

    server: ScriptedServer

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        self.server.requests.append((self.path, dict(self.headers)))
        status, delay, body = self.server.script.pop(0) if self.server.script else (500, 0.0, b"{}")
        time.sleep(delay)
        self.send_response(status)
        if status == 200:
            self.send_header("content-type", "text/event-stream")
        else:
            self.send_header("content-type", "application/json")
            self.send_header("retry-after-ms", "10")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        with suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class ScriptedServer(LocalServer):
    def __init__(self, script: list[tuple[int, float, bytes]]) -> None:
        super().__init__(Scripted)
        self.script = script
        self.requests: list[tuple[str, dict[str, str]]] = []


def error_body(message: str, kind: str) -> bytes:
    return json.dumps({"error": {"message": message, "type": kind, "code": None}}).encode()


def scripted(script: list[tuple[int, float, bytes]]) -> contextlib.AbstractContextManager[ScriptedServer]:
    return serving(ScriptedServer(script))


class Stalling(BaseHTTPRequestHandler):
    """Starts a chat stream (headers and one chunk), then says nothing until the test ends."""

    server: StallingServer

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        first = sse_chat("Hello there").split(b"\n\n")[0] + b"\n\n"
        with suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(first)
            self.wfile.flush()
            self.server.released.wait(120)

    def log_message(self, *args: object) -> None:
        pass


class StallingServer(LocalServer):
    def __init__(self) -> None:
        super().__init__(Stalling)
        self.released = threading.Event()

    def release(self) -> None:
        self.released.set()


def stalling() -> contextlib.AbstractContextManager[StallingServer]:
    return serving(StallingServer())
