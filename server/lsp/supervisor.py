"""The supervisor: what the editor talks to. It runs the real language server as a child
process and relays LSP between them, so that a crash or a hang in native code (a parser bug, a
model library) costs a restart of the child, not the editor's language server.

Why a process: a tree-sitter scanner stuck in a loop holds the interpreter lock, so no thread
of that process runs again (measured: a watchdog thread, the parser's progress callback and a
read callback all stay silent); a segfault takes every thread with it. Only another process can
notice and recover. Relaying costs a few hundred microseconds a message (README: "Defence in
depth").

How it recovers:
- it keeps what a new child needs to carry on: the `initialize` params, the last settings, and
  the text of every open document (edits applied on a thread of their own, after the message is
  relayed: applying a megabyte document's edits before relaying held every message behind it,
  the p99 of every request kind in bench/fuzz_lsp.py);
- the child tells it what it is analysing and beats a heartbeat through an inherited pipe
  (markers.py); a child that exits, or whose heartbeat stops for `hang_s`, is killed;
- the new child is initialised with the same params, told which document it must leave alone
  (`spcopilot/quarantine`: the one being analysed when the old one died, until its text changes;
  for good after a second time), and sent every open document again;
- requests the old child never answered get a ContentModified error (editors ask again), the
  user gets one message saying which file and what happened, and answers to requests the old
  child had sent the editor are dropped.

POSIX only (process groups, inherited pipes); elsewhere `serve` runs the server directly.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from spcopilot.diagnostics.document import Document, TextChange
from spcopilot.diagnostics.model import Position
from spcopilot.server.lsp.analysis import SWITCH_INTERVAL_S
from spcopilot.server.lsp.markers import ENV as MARKER_ENV

log = logging.getLogger("spcopilot.supervisor")

HANG_S = float(os.environ.get("SPCOPILOT_HANG_S", "8"))
STARTUP_S = 60.0  # a new child's first sign of life (imports on a loaded machine)
CONTENT_MODIFIED = -32801
MAX_RESTARTS = 5  # within RESTART_WINDOW_S: beyond that the child is broken, not the input
RESTART_WINDOW_S = 60.0
QUARANTINE = "spcopilot/quarantine"


# -- framing --------------------------------------------------------------------------------------
def read_message(stream: IO[bytes]) -> bytes | None:
    """One framed message body, or None at end of stream."""
    length = -1
    while True:
        line = stream.readline()
        if not line:
            return None
        line = line.strip()
        if not line:
            if length >= 0:
                break
            continue
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                length = -1
    body = stream.read(length)
    return body if len(body) == length else None


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Writer:
    """Writes framed messages from a queue on its own thread (a slow reader never blocks us)."""

    def __init__(self, stream: IO[bytes], name: str) -> None:
        self.stream = stream
        self.queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def send(self, body: bytes) -> None:
        self.queue.put(body)

    def close(self) -> None:
        self.queue.put(None)

    def _run(self) -> None:
        while (body := self.queue.get()) is not None:
            try:
                self.stream.write(frame(body))
                self.stream.flush()
            except (OSError, ValueError):
                return


# -- the editor's documents, as the child knows them -----------------------------------------------
@dataclass(eq=False)
class OpenText:
    """An open document's text, kept in step with the editor's edits (never parsed here)."""

    document: Document
    language: str

    @classmethod
    def opened(cls, params: dict[str, Any], encoding: str) -> OpenText | None:
        text, version = params.get("text"), params.get("version")
        if not isinstance(text, str):
            return None
        number = version if isinstance(version, int) else None
        return cls(Document(text, number, encoding=encoding), str(params.get("languageId") or "sourcepawn"))

    @property
    def version(self) -> int | None:
        return self.document.version

    def text(self) -> str:
        return self.document.text

    def apply(self, changes: Any, version: Any) -> None:
        """Apply the edits the child will apply; malformed ones are skipped, as the child skips
        a notification whose params do not fit."""
        if not isinstance(changes, list):
            return
        edits = [edit for edit in map(_text_change, changes) if edit is not None]
        if len(edits) == len(changes):
            self.document.apply(edits, version if isinstance(version, int) else None)


def _text_change(change: Any) -> TextChange | None:
    if not isinstance(change, dict) or not isinstance(change.get("text"), str):
        return None
    rng = change.get("range")
    if rng is None:
        return TextChange(change["text"])
    try:
        start, end = rng["start"], rng["end"]
        return TextChange(
            change["text"],
            Position(int(start["line"]), int(start["character"])),
            Position(int(end["line"]), int(end["character"])),
        )
    except (KeyError, TypeError, ValueError):
        return None


# -- the child ------------------------------------------------------------------------------------
@dataclass(eq=False)
class Child:
    process: subprocess.Popen[bytes]
    writer: Writer
    markers: int  # read end of the marker pipe
    generation: int
    started: float = field(default_factory=time.monotonic)
    heartbeat: float = field(default_factory=time.monotonic)
    alive: bool = False  # a first marker arrived
    working_on: dict[bytes, str] = field(default_factory=dict)  # analysis thread -> the uri it works on
    requests: set[Any] = field(default_factory=set)  # ids of its requests to the editor
    gone: bool = False


class Supervisor:
    def __init__(
        self,
        command: list[str],
        stdin: IO[bytes],
        stdout: IO[bytes],
        hang_s: float = HANG_S,
        env: dict[str, str] | None = None,
    ) -> None:
        self.command = command
        self.stdin = stdin
        self.client = Writer(stdout, "spcopilot-to-editor")
        self.hang_s = hang_s
        self.env = env
        self.lock = threading.RLock()
        self.child: Child | None = None
        self.generations = 0
        self.initialize: dict[str, Any] | None = None  # the editor's initialize request
        self.initialized = False
        self.settings: dict[str, Any] | None = None  # the last didChangeConfiguration params
        self.encoding = "utf-16"
        self.documents: dict[str, OpenText] = {}  # the tracker thread's, until `_settled()`
        self.document_events: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        threading.Thread(target=self._track_documents, name="spcopilot-documents", daemon=True).start()
        self.pending: dict[Any, str] = {}  # editor request id -> method, until answered
        self.strikes: dict[str, tuple[int, int | None]] = {}  # uri -> (times it took the child down, version)
        self.restarts: list[float] = []
        self.shutting_down = False
        self.done = threading.Event()

    # -- running -----------------------------------------------------------------------------
    def run(self) -> int:
        with self.lock:
            self.child = self._spawn()
        threading.Thread(target=self._from_editor, name="spcopilot-from-editor", daemon=True).start()
        while not self.done.wait(0.2):
            self._watch()
        child = self.child
        if child is not None:
            _stop(child, grace=2.0)
        self.client.close()
        self.client.thread.join(timeout=2)
        return 0

    def _spawn(self) -> Child:
        read_end, write_end = os.pipe()
        env = {**(self.env or os.environ), MARKER_ENV: str(write_end)}
        process = subprocess.Popen(
            self.command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,
            env=env,
            pass_fds=(write_end,),
            start_new_session=True,
        )
        os.close(write_end)
        assert process.stdin is not None and process.stdout is not None
        self.generations += 1
        child = Child(process, Writer(process.stdin, "spcopilot-to-server"), read_end, self.generations)
        threading.Thread(target=self._from_child, args=(child,), name="spcopilot-from-server", daemon=True).start()
        threading.Thread(target=self._markers, args=(child,), name="spcopilot-markers", daemon=True).start()
        return child

    def _watch(self) -> None:
        with self.lock:
            child = self.child
            if child is None or self.done.is_set():
                return
            exited = child.process.poll() is not None or child.gone
            silent = time.monotonic() - child.heartbeat
            if not exited and silent < (self.hang_s if child.alive else max(self.hang_s, STARTUP_S)):
                return
            if self.shutting_down:
                self.done.set()
                return
            if exited:
                code = child.process.wait()
                what = f"crashed ({_signal_name(code)})" if code < 0 else f"exited with code {code}"
            else:
                what = f"stopped responding for {silent:.0f} s"
            self._restart(child, what)

    def _restart(self, old: Child, what: str) -> None:
        self._settled()
        # The documents being analysed when it died (usually one: the native code that hangs
        # holds the interpreter lock, so the other analysis threads are waiting for it).
        culprits = sorted(set(old.working_on.values()))
        _stop(old, grace=0.0)
        now = time.monotonic()
        self.restarts = [t for t in self.restarts if now - t < RESTART_WINDOW_S] + [now]
        if len(self.restarts) > MAX_RESTARTS:
            log.error("the language server %s %d times in a minute; giving up", what, len(self.restarts))
            self._notify_editor("window/showMessage", {"type": 1, "message": _gave_up(what)})
            self._fail_pending("the spcopilot language server stopped")
            self.done.set()
            return
        self._fail_pending(f"spcopilot restarted its analysis ({what}); ask again")
        message = f"spcopilot: the language server {what} and was restarted"
        counts = []
        for culprit in culprits:
            document = self.documents.get(culprit)
            count = self.strikes.get(culprit, (0, None))[0] + 1
            self.strikes[culprit] = (count, document.version if document else None)
            counts.append(count)
        if culprits:
            names = ", ".join(_name(c) for c in culprits)
            message += f" while analysing {names}; " + ("that file is" if len(culprits) == 1 else "those files are")
            message += " not analysed until " + ("you close and reopen it" if max(counts) > 1 else "it changes")
        log.error("%s", message)
        self._notify_editor("window/showMessage", {"type": 2, "message": message})
        self.child = child = self._spawn()
        self._replay(child, culprits, what)

    def _replay(self, child: Child, culprits: list[str], what: str) -> None:
        if self.initialize is None:
            return
        request = {**self.initialize, "id": f"spcopilot-supervisor-{child.generation}"}
        child.writer.send(json.dumps(request).encode())
        if self.initialized:
            child.writer.send(json.dumps({"jsonrpc": "2.0", "method": "initialized", "params": {}}).encode())
        if self.settings is not None:
            child.writer.send(_notification("workspace/didChangeConfiguration", self.settings))
        for uri, (count, version) in self.strikes.items():
            document = self.documents.get(uri)
            if document is None or (count == 1 and document.version != version):
                continue  # changed since: the new child may try it again
            reason = (
                f"the language server {what} while analysing it" if uri in culprits else "it stopped the server before"
            )
            params = {"uri": uri, "version": document.version, "sticky": count > 1, "reason": reason}
            child.writer.send(_notification(QUARANTINE, params))
        for uri, document in self.documents.items():
            opened: dict[str, Any] = {"uri": uri, "languageId": document.language, "version": document.version}
            opened["text"] = document.text()
            child.writer.send(_notification("textDocument/didOpen", {"textDocument": opened}))

    # -- from the editor ---------------------------------------------------------------------
    def _from_editor(self) -> None:
        while (body := read_message(self.stdin)) is not None:
            with self.lock:
                self._editor_message(body)
        with self.lock:  # the editor went away: the child follows
            self.shutting_down = True
            if self.child is not None:
                self.child.writer.close()
        self.done.set()

    def _editor_message(self, body: bytes) -> None:
        child = self.child
        try:
            message = json.loads(body)
        except ValueError:
            message = None
        try:
            if isinstance(message, dict) and not self._track_editor(message, child):
                return
        except Exception:  # whatever the editor sends, the relay goes on
            log.exception("could not follow a message from the editor; relayed as is")
        if child is not None:
            child.writer.send(body)

    def _track_editor(self, message: dict[str, Any], child: Child | None) -> bool:
        """Remember what a restart needs; False when the message must not reach the child."""
        method = message.get("method")
        params = message.get("params")
        msg_id = message.get("id")
        if not isinstance(msg_id, (str, int)):
            msg_id = None  # not a valid JSON-RPC id: the child answers it as it sees fit
        if method is None:  # an answer to a request of the child's: only the child that asked
            if child is None or msg_id not in child.requests:
                return False
            child.requests.discard(msg_id)
            return True
        if msg_id is not None:
            self.pending[msg_id] = str(method)
        if method == "initialize":
            self.initialize = message
        elif method == "initialized":
            self.initialized = True
        elif method == "shutdown" or method == "exit":
            self.shutting_down = True
        elif method == "workspace/didChangeConfiguration":
            self.settings = params if isinstance(params, dict) else None
        elif isinstance(params, dict) and method in (
            "textDocument/didOpen",
            "textDocument/didChange",
            "textDocument/didClose",
        ):
            self.document_events.put((str(method), params))
        return True

    # -- the open documents' texts -------------------------------------------------------------
    def _track_documents(self) -> None:
        """The tracker thread: applies the editor's document events in order."""
        while True:
            method, params = self.document_events.get()
            try:
                self._track_document(method, params)
            except Exception:  # whatever the editor sends, the relay goes on
                log.exception("could not follow %s", method)
            finally:
                self.document_events.task_done()

    def _settled(self) -> None:
        """Wait until every document event received so far is applied. Called under `lock`,
        so no new one arrives meanwhile (the editor's messages are read under it)."""
        self.document_events.join()

    def _track_document(self, method: str, params: dict[str, Any]) -> None:
        document = params.get("textDocument")
        if not isinstance(document, dict) or not isinstance(document.get("uri"), str):
            return
        uri = document["uri"]
        if method == "textDocument/didOpen":
            opened = OpenText.opened(document, self.encoding)
            if opened is not None:
                self.documents[uri] = opened
        elif method == "textDocument/didChange" and uri in self.documents:
            self.documents[uri].apply(params.get("contentChanges"), document.get("version"))
        elif method == "textDocument/didClose":
            self.documents.pop(uri, None)
            self.strikes.pop(uri, None)

    # -- from the child ----------------------------------------------------------------------
    def _from_child(self, child: Child) -> None:
        assert child.process.stdout is not None
        while (body := read_message(child.process.stdout)) is not None:
            with self.lock:
                if child is not self.child:
                    return
                self._child_message(child, body)
        child.gone = True

    def _child_message(self, child: Child, body: bytes) -> None:
        try:
            message = json.loads(body)
        except ValueError:
            message = None
        if not isinstance(message, dict):
            self.client.send(body)
            return
        msg_id = message.get("id")
        if not isinstance(msg_id, (str, int)):
            msg_id = None
        if "method" in message:
            if msg_id is not None:
                child.requests.add(msg_id)
        elif msg_id is not None:
            if isinstance(msg_id, str) and msg_id.startswith("spcopilot-supervisor-"):
                return  # the answer to a replayed initialize
            method = self.pending.pop(msg_id, None)
            if method == "initialize":
                self._remember_encoding(message)
        self.client.send(body)

    def _remember_encoding(self, message: dict[str, Any]) -> None:
        result = message.get("result")
        capabilities = result.get("capabilities") if isinstance(result, dict) else None
        encoding = capabilities.get("positionEncoding") if isinstance(capabilities, dict) else None
        if encoding in ("utf-8", "utf-16"):
            self.encoding = encoding

    def _markers(self, child: Child) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(child.markers, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            child.heartbeat = time.monotonic()
            child.alive = True
            for line in lines:
                if line.startswith(b"B "):
                    thread, _, uri = line[2:].partition(b" ")
                    child.working_on[thread] = uri.decode("utf-8", "replace")
                elif line.startswith(b"E "):
                    child.working_on.pop(line[2:], None)
        with contextlib.suppress(OSError):
            os.close(child.markers)

    # -- answering the editor ----------------------------------------------------------------
    def _fail_pending(self, text: str) -> None:
        for msg_id, method in list(self.pending.items()):
            if method in ("initialize", "shutdown"):
                continue
            error = {"code": CONTENT_MODIFIED, "message": text}
            self.client.send(json.dumps({"jsonrpc": "2.0", "id": msg_id, "error": error}).encode())
            del self.pending[msg_id]

    def _notify_editor(self, method: str, params: dict[str, Any]) -> None:
        self.client.send(_notification(method, params))


def _notification(method: str, params: Any) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "method": method, "params": params}).encode()


def _stop(child: Child, grace: float) -> None:
    child.writer.close()
    if grace:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.process.wait(grace)
    if child.process.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.process.pid, signal.SIGKILL)
        child.process.wait()
    child.gone = True


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def _name(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


def _gave_up(what: str) -> str:
    return (
        f"spcopilot: the language server {what} again and again; it is stopped. "
        "Please report it with the server's log (see the README)."
    )


def supervised(command: list[str]) -> Callable[[], int]:
    """Run `command` (the real server) under a supervisor on our stdio."""

    def run() -> int:
        # The relay's threads hand the interpreter lock over as often as the server's do: the
        # document tracker's Python work must not hold a message back.
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        code = Supervisor(command, sys.stdin.buffer, sys.stdout.buffer).run()
        # A thread may still be blocked reading the editor's stdin: leave without the
        # interpreter's shutdown, which would wait on (and abort over) that stream's lock.
        sys.stderr.flush()
        os._exit(code)

    return run
