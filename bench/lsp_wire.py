"""A raw LSP client over stdio for the fuzzer and the leak check: it writes whatever it is told
(malformed messages included), times every request, and never trusts the server.

Unlike pytest-lsp's client it does not validate messages: a broken answer is data, counted by
the caller. One reader task collects answers and notifications; `request` waits with a timeout
and records the latency; a request that outlives its timeout is a hang.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SERVER = [sys.executable, "-m", "spcopilot.server.lsp"]


@dataclass
class Answer:
    method: str
    ms: float
    result: Any = None
    error: dict[str, Any] | None = None
    timed_out: bool = False


@dataclass
class Wire:
    process: asyncio.subprocess.Process
    timeout: float = 5.0
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _pending: dict[int, tuple[str, float, asyncio.Future[Answer]]] = field(default_factory=dict)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    diagnostics: dict[str, dict[str, Any]] = field(default_factory=dict)  # uri -> last publish
    published: asyncio.Event = field(default_factory=asyncio.Event)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    hangs: list[str] = field(default_factory=list)
    garbage: list[bytes] = field(default_factory=list)  # output that is not a message
    _reader: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    @classmethod
    async def start(
        cls,
        root: Path,
        cache: Path,
        command: list[str] | None = None,
        env: dict[str, str] | None = None,
        log: Path | None = None,
    ) -> Wire:
        """Start the server; its stderr goes to `log` (else nowhere)."""
        environment = {**os.environ, "SPCOPILOT_CACHE_DIR": str(cache), **(env or {})}
        sink = log.open("ab") if log is not None else asyncio.subprocess.DEVNULL
        process = await asyncio.create_subprocess_exec(
            *(command or SERVER),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=sink,
            cwd=str(root),
            env=environment,
            limit=64 * 1024 * 1024,
            start_new_session=True,
        )
        wire = cls(process)
        wire._reader = asyncio.ensure_future(wire._read())
        wire._reader.add_done_callback(_reader_done)
        return wire

    async def initialize(self, root: Path, capabilities: dict[str, Any], settings: dict[str, Any]) -> Answer:
        answer = await self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.as_uri(),
                "capabilities": capabilities,
                "initializationOptions": settings,
            },
            timeout=60,
        )
        self.notify("initialized", {})
        return answer

    async def stop(self) -> int | None:
        """shutdown + exit; killed when it does not go. Returns the exit code (None: killed)."""
        if self.process.returncode is None:
            with contextlib.suppress(Exception):
                await self.request("shutdown", None, timeout=5)
                self.notify("exit", None)
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except asyncio.TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                await self.process.wait()
                return None
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        return self.process.returncode

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    # -- messages ----------------------------------------------------------------------------
    def write(self, body: bytes) -> None:
        """Send bytes as one framed message (the body need not be JSON)."""
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def write_raw(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)

    def notify(self, method: str, params: Any) -> None:
        self.write(json.dumps({"jsonrpc": "2.0", "method": method, "params": params}).encode())

    def send_request(self, method: str, params: Any) -> tuple[int, asyncio.Future[Answer]]:
        msg_id = next(self._ids)
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = (method, time.perf_counter(), future)
        self.write(json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}).encode())
        return msg_id, future

    async def request(self, method: str, params: Any, timeout: float | None = None) -> Answer:
        msg_id, future = self.send_request(method, params)
        return await self.wait(msg_id, future, timeout)

    async def wait(self, msg_id: int, future: asyncio.Future[Answer], timeout: float | None = None) -> Answer:
        limit = self.timeout if timeout is None else timeout
        try:
            return await asyncio.wait_for(asyncio.shield(future), limit)
        except asyncio.TimeoutError:
            method = self._pending.pop(msg_id, ("?", 0.0, future))[0]
            self.hangs.append(method)
            return Answer(method, limit * 1000, timed_out=True)

    def cancel(self, msg_id: int) -> None:
        self.notify("$/cancelRequest", {"id": msg_id})

    async def drain(self) -> None:
        assert self.process.stdin is not None
        await self.process.stdin.drain()

    async def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            try:
                header = await stream.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                return  # the server went away
            length = 0
            for line in header.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            try:
                body = await stream.readexactly(length)
            except asyncio.IncompleteReadError:
                return
            try:
                message = json.loads(body)
            except ValueError:
                self.garbage.append(body[:200])
                continue
            self._dispatch(message)

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "id" in message and "method" in message:  # a request from the server
            self.write(json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": self._answer(message)}).encode())
            return
        if "id" in message:
            pending = self._pending.pop(message["id"], None)
            if pending is None:
                return
            method, started, future = pending
            ms = (time.perf_counter() - started) * 1000
            self.latencies[method].append(ms)
            error = message.get("error")
            if error:
                self.errors[method].append(int(error.get("code", 0)))
            if not future.done():
                future.set_result(Answer(method, ms, message.get("result"), error))
            return
        self.notifications.append(message)
        if len(self.notifications) > 2000:
            del self.notifications[:1000]
        if message.get("method") == "textDocument/publishDiagnostics":
            params = message.get("params") or {}
            self.diagnostics[params.get("uri", "")] = params
            self.published.set()

    @staticmethod
    def _answer(request: dict[str, Any]) -> Any:
        if request.get("method") == "workspace/configuration":
            items = (request.get("params") or {}).get("items") or []
            return [None for _ in items]
        return None


def _reader_done(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        raise SystemExit(f"the LSP reader failed: {task.exception()!r}")


def rss_kb(pid: int) -> int:
    """Resident memory of a process and its children (the supervisor's server child)."""
    total = 0
    for p in [pid, *_children(pid)]:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            found.append(int(child))
            found += _children(int(child))
    return found
