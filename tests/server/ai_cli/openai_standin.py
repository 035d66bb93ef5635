"""A local stand-in for the parts of the OpenAI HTTP API the CLI uses, for tests only.

Nothing offline implements the Batch API (llama.cpp's server has no /v1/files or /v1/batches),
so this small http.server on 127.0.0.1 does, following OpenAI's documented wire format:
POST /v1/files (multipart upload, purpose "batch"), GET /v1/files/{id}/content,
POST /v1/batches, GET /v1/batches/{id}, and POST /v1/chat/completions (streamed or not).
The CLI talks to it through the real `openai` SDK with `base_url` pointed here, so what is tested
is the SDK calls, the request JSONL and the parsing of the output file — not OpenAI itself.

Answers come from `rules`: (substring of the last user message, answer); a rule whose answer is
`FAIL` makes that batch request fail (it goes to the error file); answers to messages containing
`trickle_on` stream slowly and at length, so a test can interrupt them in the middle. A batch stays "in_progress"
for `polls_before_done` retrieves, then is processed and "completed".
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAIL = "\0fail"


@dataclass
class StandIn:
    rules: list[tuple[str, str]] = field(default_factory=list)
    key: str = ""  # when set, requests must carry "Authorization: Bearer <key>"
    polls_before_done: int = 1
    reject_batches: str = ""  # when set, every batch job fails validation with this message
    trickle_on: str = ""  # stream answers to messages containing this slowly and long (Ctrl-C tests)
    files: dict[str, bytes] = field(default_factory=dict)
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    uploads: list[dict[str, Any]] = field(default_factory=list)  # {"purpose", "filename", "bytes"}
    chats: list[dict[str, Any]] = field(default_factory=list)  # the bodies of chat requests
    streaming: threading.Event = field(default_factory=threading.Event)  # a slow stream has begun
    base_url: str = ""
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def new_id(self, prefix: str) -> str:
        with self._lock:
            return f"{prefix}-{next(self._ids)}"

    def answer(self, messages: list[dict[str, Any]]) -> str:
        last_user = next((m["content"] for m in reversed(messages) if m.get("role") == "user"), "")
        for needle, output in self.rules:
            if needle in last_user:
                return output
        return "```sourcepawn\n// no rule matched\n```"

    def usage(self, messages: list[dict[str, Any]], output: str) -> dict[str, int]:
        prompt = sum(len(m.get("content", "")) for m in messages) // 4 + 1
        completion = len(output) // 4 + 1
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    # ---- the Batch API ----------------------------------------------------------------------
    def process(self, batch: dict[str, Any]) -> None:
        if self.reject_batches:
            batch["status"] = "failed"
            batch["errors"] = {"object": "list", "data": [{"code": "invalid_file", "message": self.reject_batches}]}
            return
        out, errors = [], []
        seen: set[str] = set()
        for n, line in enumerate(self.files[batch["input_file_id"]].decode("utf-8").splitlines(), 1):
            request = json.loads(line)
            cid = request.get("custom_id")
            body = request.get("body") or {}
            problem = ""
            if request.get("method") != "POST" or request.get("url") != batch["endpoint"]:
                problem = f"line {n}: method/url must be POST {batch['endpoint']}"
            elif not cid or cid in seen:
                problem = f"line {n}: custom_id missing or not unique"
            elif not body.get("model") or not body.get("messages"):
                problem = f"line {n}: body needs model and messages"
            seen.add(cid)
            output = "" if problem else self.answer(body["messages"])
            if problem or output == FAIL:
                error = {
                    "code": "invalid_request" if problem else "server_error",
                    "message": problem or "stand-in failure",
                }
                errors.append({"id": self.new_id("batch_req"), "custom_id": cid, "response": None, "error": error})
                continue
            completion = {
                "id": self.new_id("chatcmpl"),
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": output}, "finish_reason": "stop"}],
                "usage": self.usage(body["messages"], output),
            }
            response = {"status_code": 200, "request_id": self.new_id("req"), "body": completion}
            out.append({"id": self.new_id("batch_req"), "custom_id": cid, "response": response, "error": None})
        batch["output_file_id"] = self._store(out)
        batch["error_file_id"] = self._store(errors) if errors else None
        batch["request_counts"] = {"total": len(seen), "completed": len(out), "failed": len(errors)}
        batch["status"] = "completed"
        batch["completed_at"] = int(time.time())

    def _store(self, rows: list[dict[str, Any]]) -> str:
        file_id = self.new_id("file")
        self.files[file_id] = "".join(json.dumps(r) + "\n" for r in rows).encode("utf-8")
        return file_id


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    # ---- plumbing ---------------------------------------------------------------------------
    def _send_json(self, status: int, payload: object) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _authorised(self) -> bool:
        state = self.server.state
        if state.key and self.headers.get("Authorization") != f"Bearer {state.key}":
            self._send_json(
                401,
                {
                    "error": {
                        "message": "Incorrect API key provided",
                        "type": "invalid_request_error",
                        "code": "invalid_api_key",
                    }
                },
            )
            return False
        return True

    def do_GET(self) -> None:
        state = self.server.state
        state.requests.append(("GET", self.path))
        if not self._authorised():
            return
        if m := re.fullmatch(r"/v1/files/([\w-]+)/content", self.path):
            data = state.files.get(m.group(1))
            if data is None:
                self._send_json(404, {"error": {"message": "no such file"}})
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif m := re.fullmatch(r"/v1/batches/([\w-]+)", self.path):
            batch = state.batches.get(m.group(1))
            if batch is None:
                self._send_json(404, {"error": {"message": "no such batch"}})
                return
            if batch["status"] not in ("completed", "failed"):
                batch["_polls"] += 1
                batch["status"] = "in_progress"
                if batch["_polls"] > state.polls_before_done:
                    state.process(batch)
            self._send_json(200, {k: v for k, v in batch.items() if not k.startswith("_")})
        else:
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:
        state = self.server.state
        state.requests.append(("POST", self.path))
        body = self._body()
        if not self._authorised():
            return
        if self.path == "/v1/files":
            self._upload(body)
        elif self.path == "/v1/batches":
            request = json.loads(body)
            if request.get("input_file_id") not in state.files:
                self._send_json(400, {"error": {"message": "unknown input_file_id"}})
                return
            batch_id = state.new_id("batch")
            state.batches[batch_id] = {
                "id": batch_id,
                "object": "batch",
                "endpoint": request["endpoint"],
                "input_file_id": request["input_file_id"],
                "completion_window": request["completion_window"],
                "status": "validating",
                "created_at": int(time.time()),
                "metadata": request.get("metadata"),
                "output_file_id": None,
                "error_file_id": None,
                "errors": None,
                "request_counts": {"total": 0, "completed": 0, "failed": 0},
                "_polls": 0,
            }
            self._send_json(200, {k: v for k, v in state.batches[batch_id].items() if not k.startswith("_")})
        elif self.path == "/v1/chat/completions":
            self._chat(json.loads(body))
        else:
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})

    def _upload(self, body: bytes) -> None:
        header = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + body)
        fields: dict[str, Any] = {}
        filename = ""
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if part.get_filename():
                filename = part.get_filename() or ""
            fields[str(name)] = part.get_payload(decode=True)
        data, purpose = fields.get("file", b""), (fields.get("purpose") or b"").decode()
        file_id = self.server.state.new_id("file")
        self.server.state.files[file_id] = data
        self.server.state.uploads.append({"purpose": purpose, "filename": filename, "bytes": data})
        self._send_json(
            200,
            {
                "id": file_id,
                "object": "file",
                "bytes": len(data),
                "created_at": int(time.time()),
                "filename": filename,
                "purpose": purpose,
                "status": "processed",
            },
        )

    def _chat(self, request: dict[str, Any]) -> None:
        state = self.server.state
        state.chats.append(request)
        output = state.answer(request["messages"])
        usage = state.usage(request["messages"], output)
        base = {"id": state.new_id("chatcmpl"), "created": int(time.time()), "model": request["model"]}
        if not request.get("stream"):
            choice = {"index": 0, "message": {"role": "assistant", "content": output}, "finish_reason": "stop"}
            self._send_json(200, base | {"object": "chat.completion", "choices": [choice], "usage": usage})
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        pieces = re.findall(r"\s*\S+|\s+", output) or [""]
        last_user = next((m["content"] for m in reversed(request["messages"]) if m.get("role") == "user"), "")
        trickle = bool(state.trickle_on) and state.trickle_on in last_user
        if trickle:
            pieces = pieces + [" "] * 5000  # long enough to be interrupted in the middle
        try:
            for n, piece in enumerate(pieces):
                delta = {"role": "assistant", "content": piece} if n == 0 else {"content": piece}
                self._event(
                    base
                    | {
                        "object": "chat.completion.chunk",
                        "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
                    }
                )
                if n == 0 and trickle:
                    state.streaming.set()
                if trickle:
                    time.sleep(0.02)
            self._event(
                base
                | {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            )
            self._event(base | {"object": "chat.completion.chunk", "choices": [], "usage": usage})
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client closed the stream (a cancel)
        self.close_connection = True

    def _event(self, payload: object) -> None:
        self.wfile.write(b"data: " + json.dumps(payload).encode("utf-8") + b"\n\n")
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: StandIn


@contextmanager
def running(state: StandIn) -> Iterator[StandIn]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.state = state
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="openai-standin", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
