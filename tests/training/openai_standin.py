"""A small local stand-in for OpenAI's file and fine-tuning endpoints, on 127.0.0.1.

Nothing that runs offline implements these endpoints (llama.cpp's server has chat and completions
only), so the tests talk to this: just enough of the API for the official `openai` SDK to upload
files, create, retrieve, cancel and list the events of a job. A job moves one state per
retrieve: validating_files -> running -> succeeded. Uploaded files are kept for inspection.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PROGRESS = ("validating_files", "running", "succeeded")


class StandIn:
    def __init__(self) -> None:
        self.files: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.requests: list[tuple[str, str]] = []
        self.fail_with: tuple[int, str] | None = None  # answer every request with this error
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> StandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def uploaded(self, file_id: str) -> list[dict]:
        return [json.loads(line) for line in self.files[file_id]["content"].decode().splitlines() if line.strip()]

    # ---- the API -----------------------------------------------------------------------------
    def handle(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict]:
        self.requests.append((method, path))
        if self.fail_with:
            status, message = self.fail_with
            return status, {"error": {"message": message, "type": "invalid_request_error", "code": None}}
        if headers.get("Authorization", "") != "Bearer test-key":
            return 401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}
        now = int(time.time())
        with self._lock:
            if method == "POST" and path == "/v1/files":
                fields = _multipart(headers["Content-Type"], body)
                file_id = f"file-{next(self._ids)}"
                filename, content = fields["file"]
                self.files[file_id] = {"content": content, "purpose": fields["purpose"][1].decode()}
                return 200, {"id": file_id, "object": "file", "bytes": len(content), "created_at": now,
                             "filename": filename, "purpose": "fine-tune", "status": "processed"}  # fmt: skip
            if method == "POST" and path == "/v1/fine_tuning/jobs":
                request = json.loads(body)
                if request["training_file"] not in self.files:
                    return 400, {"error": {"message": "training_file not found", "type": "invalid_request_error"}}
                job_id = f"ftjob-{next(self._ids)}"
                self.jobs[job_id] = {
                    "id": job_id, "object": "fine_tuning.job", "model": request["model"], "created_at": now,
                    "status": PROGRESS[0], "training_file": request["training_file"],
                    "validation_file": request.get("validation_file"), "fine_tuned_model": None,
                    "finished_at": None, "trained_tokens": None, "error": None, "organization_id": "org-test",
                    "result_files": [], "seed": 0, "hyperparameters": {"n_epochs": "auto"},
                    "method": request.get("method"), "suffix": request.get("suffix"),
                }  # fmt: skip
                self.events[job_id] = [_event(job_id, 0, "Validating training file")]
                return 200, self.jobs[job_id]
            match = re.fullmatch(r"/v1/fine_tuning/jobs/(ftjob-\d+)(/cancel|/events)?", path.split("?")[0])
            if not match or match.group(1) not in self.jobs:
                return 404, {"error": {"message": f"no such route or job: {path}", "type": "invalid_request_error"}}
            job = self.jobs[match.group(1)]
            if match.group(2) == "/cancel" and method == "POST":
                job["status"] = "cancelled"
                job["finished_at"] = now
                return 200, job
            if match.group(2) == "/events":
                data = list(reversed(self.events[job["id"]]))  # newest first, like the API
                return 200, {"object": "list", "data": data, "has_more": False}
            if job["status"] in PROGRESS[:-1]:
                job["status"] = PROGRESS[PROGRESS.index(job["status"]) + 1]
                self.events[job["id"]].append(_event(job["id"], len(self.events[job["id"]]), f"Job is {job['status']}"))
                if job["status"] == "succeeded":
                    job["fine_tuned_model"] = f"ft:{job['model']}:org-test:{job['suffix']}:abc123"
                    job["trained_tokens"] = 1234
                    job["finished_at"] = now
            return 200, job

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, payload = standin.handle(self.command, self.path, self.headers, body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        return Handler


def _event(job_id: str, n: int, message: str) -> dict[str, Any]:
    return {"id": f"ftevent-{job_id}-{n}", "object": "fine_tuning.job.event", "created_at": int(time.time()),
            "level": "info", "message": message, "type": "message"}  # fmt: skip


def _multipart(content_type: str, body: bytes) -> dict[str, tuple[str, bytes]]:
    """{field name: (filename, bytes)} of a multipart/form-data body."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        fields[name] = (part.get_filename() or "", part.get_payload(decode=True))
    return fields
