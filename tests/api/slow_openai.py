"""A test stand-in for an OpenAI-compatible server whose model never finishes: every chat stream
gets a token every 0.1 s, forever, until the client closes the connection, which it records.
With it, a request that outlives the API's timeout, or whose client goes away, can be seen to
stop the model: the backend notices the cancel at the next token and closes its stream."""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
from http.server import BaseHTTPRequestHandler

from tests.model.fault_servers import LocalServer, serving

TOKEN_INTERVAL_S = 0.1


def chunk(text: str) -> bytes:
    body = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "slow",
            "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}  # fmt: skip
    return b"data: " + json.dumps(body).encode() + b"\n\n"


class Endless(BaseHTTPRequestHandler):
    server: SlowServer

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        self.server.received.set()
        piece = "Thinking"
        while not self.server.stopping.is_set():
            try:
                self.wfile.write(chunk(piece))
                self.wfile.flush()
            except OSError:
                break
            piece = " ."
            readable, _, _ = select.select([self.connection], [], [], TOKEN_INTERVAL_S)
            if readable and self._peer_closed():
                break
        self.server.closed.set()

    def _peer_closed(self) -> bool:
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def log_message(self, *args: object) -> None:
        pass


class SlowServer(LocalServer):
    def __init__(self) -> None:
        super().__init__(Endless)
        self.received = threading.Event()  # a chat stream was started
        self.closed = threading.Event()  # its client closed the connection (or the server stopped)
        self.stopping = threading.Event()

    def release(self) -> None:
        self.stopping.set()


def slow_openai() -> contextlib.AbstractContextManager[SlowServer]:
    return serving(SlowServer())
