"""The OpenAI key never appears in an answer or a log line: every endpoint is asked, with the
server logging at debug level, while its OpenAI backend points at a server that cannot be
reached, and at one that quotes the key back in its error (as api.openai.com does)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx
import pytest
from spcopilot.server.api.errors import RedactingFilter, Redactor

from tests.api.live_server import start_api
from tests.model.fault_servers import error_body, scripted

SECRET = "sk-test-secret-4f9c2a7e81d3b6055e0c"


@contextmanager
def unreachable() -> Iterator[str]:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    yield f"http://127.0.0.1:{port}/v1"


@contextmanager
def quoting_the_key() -> Iterator[str]:
    answer = (400, 0.0, error_body(f"Incorrect API key provided: {SECRET}.", "invalid_request_error"))
    with scripted([answer] * 50) as server:
        yield server.base_url


REQUESTS = [
    ("GET", "/health", None),
    ("POST", "/v1/check", {"code": 'char key[] = "sk-live-not-this-one";'}),
    ("POST", "/v1/complete", {"prompt": "log the round start"}),
    ("POST", "/v1/complete", {"prefix": "public void OnPluginStart()\n{\n\t", "suffix": "\n}\n"}),
    ("POST", "/v1/generate-plugin", {"prompt": "a tank announcer"}),
    ("POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": "hi"}]}),
    ("POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": "hi"}], "stream": True}),
    ("GET", "/openapi.json", None),
]


@pytest.mark.parametrize("upstream", [unreachable, quoting_the_key], ids=["unreachable", "quoting-the-key"])
def test_the_key_is_in_no_answer_and_no_log_line(
    upstream: Callable[[], AbstractContextManager[str]], tmp_path: Path
) -> None:
    with upstream() as base_url:
        server = start_api(
            ["--backend", "openai", "--model", "gpt-4o-mini", "--base-url", base_url, "--max-retries", 0,
             "--log-level", "debug"],
            tmp_path,
            {"OPENAI_API_KEY": SECRET},
        )  # fmt: skip
        try:
            seen = []
            with server.client() as http:
                for method, path, body in REQUESTS:
                    answer = http.request(method, path, json=body)
                    seen.append(f"{answer.status_code} {answer.headers} {answer.text}")
                    if path in ("/v1/complete", "/v1/generate-plugin", "/v1/chat/completions"):
                        assert answer.status_code == 502, answer.text  # the backend failed, and says why
                        assert answer.json()["error"]["type"] == "backend_error"
        finally:
            server.stop()
    everything = "\n".join(seen)
    assert SECRET not in everything
    log = server.stderr()
    assert "POST /v1/chat/completions" in log and "DEBUG" in log  # the log was written, in full
    assert SECRET not in log


def test_the_redactor_removes_secrets_from_text_and_log_records() -> None:
    redactor = Redactor([SECRET, None, "", "short"])
    assert redactor.secrets == [SECRET]  # nothing empty or too short to be a secret
    assert redactor.redact(f"key {SECRET} and {SECRET}!") == "key *** and ***!"
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed with %s", (SECRET,), None)
    try:
        raise ValueError(SECRET)
    except ValueError as error:
        record.exc_info = (ValueError, error, error.__traceback__)
    assert RedactingFilter(redactor).filter(record)
    line = logging.Formatter().format(record)
    assert SECRET not in line and "failed with ***" in line and "ValueError: ***" in line


def test_an_error_message_quoting_the_key_is_redacted_in_the_answer() -> None:
    from spcopilot.server.api.errors import ApiError, json_error

    response = json_error(ApiError(502, f"upstream said: bad key {SECRET}"), Redactor([SECRET]))
    assert SECRET.encode() not in response.body and b"bad key ***" in response.body


def test_an_unreachable_backend_is_explained(tmp_path: Path) -> None:
    with unreachable() as base_url:
        server = start_api(["--backend", "openai", "--model", "m", "--base-url", base_url, "--max-retries", 0],
                           tmp_path, {"OPENAI_API_KEY": SECRET})  # fmt: skip
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            error = http.post("/v1/generate-plugin", json={"prompt": "x"}).json()["error"]
    finally:
        server.stop()
    assert f"cannot reach {base_url}" in error["message"]
