"""The limits a request meets, on live servers: body size (413), max_tokens (400), bad requests
(400, in the JSON error shape), model requests per client (429), the request timeout (504),
and a client that goes away. The last three run against a stand-in OpenAI server whose model
never finishes (a token every 0.1 s), which records when our backend closes its stream: the
model was stopped."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.api.live_server import ApiServer, start_api
from tests.api.slow_openai import SlowServer, slow_openai

WAIT_S = 30  # how long a test waits for something that happens at once when all is well
# The backend gives up on a silent server only after its own read timeout: far longer than the
# waits for a stopped model, so a closed stream seen within STOP_WAIT_S was our cancel.
BACKEND_TIMEOUT_S, STOP_WAIT_S = 120, 15


@pytest.fixture(scope="module")
def small_api(tmp_path_factory: pytest.TempPathFactory, replay_file: Path) -> Iterator[ApiServer]:
    server = start_api(["--replay-file", replay_file, "--max-body-kb", 4, "--max-tokens-limit", 64],
                       tmp_path_factory.mktemp("small"))  # fmt: skip
    yield server
    server.stop()


def error_of(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json"
    error: dict[str, Any] = answer.json()["error"]
    assert set(error) == {"message", "type", "code", "param"} and error["message"]
    return error


# -- size and shape -----------------------------------------------------------------------------
def test_a_body_over_the_limit_is_refused_by_its_length(small_api: ApiServer) -> None:
    with small_api.client() as http:
        error = error_of(http.post("/v1/check", json={"code": "x" * 5000}), 413)
    assert error["code"] == "body_too_large" and "4,096 bytes" in error["message"]


def test_a_chunked_body_over_the_limit_is_refused_while_it_is_read(small_api: ApiServer) -> None:
    body = json.dumps({"code": "y" * 6000}).encode()
    with small_api.client() as http:
        answer = http.post("/v1/check", content=iter([body[:3000], body[3000:]]),
                           headers={"content-type": "application/json"})  # fmt: skip
    assert "content-length" not in answer.request.headers  # (sent chunked)
    assert error_of(answer, 413)["code"] == "body_too_large"


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        ("/v1/complete", {"prompt": "x", "max_tokens": 65}, "max_tokens"),
        ("/v1/generate-plugin", {"prompt": "x", "max_tokens": 65}, "max_tokens"),
        ("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "max_tokens": 65}, "max_tokens"),
        (
            "/v1/chat/completions",
            {"messages": [{"role": "user", "content": "x"}], "max_completion_tokens": 65},
            "max_completion_tokens",
        ),
    ],
)
def test_max_tokens_above_the_servers_limit_is_refused(
    small_api: ApiServer, path: str, body: dict[str, Any], param: str
) -> None:
    with small_api.client() as http:
        error = error_of(http.post(path, json=body), 400)
        assert (error["code"], error["param"]) == ("max_tokens_too_large", param)
        assert "at most 64" in error["message"]
        assert http.post(path, json=body | {param: 64}).status_code == 200  # the limit itself is fine


@pytest.mark.parametrize(
    ("content", "code", "says"),
    [
        (b'{"code": "x"', "invalid_json", "not valid JSON"),
        (b"[1, 2]", "invalid_json", "must be a JSON object"),
        (b'{"code": 42}', "invalid_value", "code: Input should be a valid string"),
        (b'{"code": "x", "fixx": true}', "invalid_value", "fixx: Extra inputs are not permitted"),
        (b'{"code": "\\ud800"}', "invalid_value", "lone surrogate"),
        (b'{"code": "x", "path": ""}', "invalid_value", "path: String should have at least 1 character"),
    ],
)
def test_a_bad_request_gets_a_json_error_that_says_what_is_wrong(
    small_api: ApiServer, content: bytes, code: str, says: str
) -> None:
    with small_api.client() as http:
        answer = http.post("/v1/check", content=content, headers={"content-type": "application/json"})
    error = error_of(answer, 400)
    assert error["type"] == "invalid_request_error" and error["code"] == code
    assert says in error["message"]


def test_a_form_body_is_told_to_be_json(small_api: ApiServer) -> None:
    with small_api.client() as http:
        error = error_of(http.post("/v1/check", data={"code": "x"}), 400)
    assert "Content-Type: application/json" in error["message"]


# -- a model that never finishes ----------------------------------------------------------------
@pytest.fixture(scope="module")
def slow() -> Iterator[SlowServer]:
    with slow_openai() as server:
        yield server


@pytest.fixture
def fresh(slow: SlowServer) -> SlowServer:
    slow.received.clear()
    slow.closed.clear()
    return slow


def slow_model_api(slow: SlowServer, workdir: Path, *limits: object) -> ApiServer:
    return start_api(["--backend", "openai", "--model", "slow", "--base-url", slow.base_url,
                      "--max-retries", 0, "--timeout", BACKEND_TIMEOUT_S, *limits], workdir)  # fmt: skip


@pytest.fixture(scope="module")
def quick_timeout_api(slow: SlowServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    server = slow_model_api(slow, tmp_path_factory.mktemp("timeout"), "--request-timeout", 2)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def one_slot_api(slow: SlowServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    server = slow_model_api(slow, tmp_path_factory.mktemp("slots"), "--per-client", 1, "--request-timeout", 600)
    yield server
    server.stop()


CHAT = {"messages": [{"role": "user", "content": "hello"}]}


def test_a_request_past_the_timeout_gets_504_and_the_model_is_stopped(
    quick_timeout_api: ApiServer, fresh: SlowServer
) -> None:
    with quick_timeout_api.client() as http:
        answer = http.post("/v1/chat/completions", json=CHAT)
    error = error_of(answer, 504)
    assert (error["type"], error["code"]) == ("timeout_error", "timeout")
    assert "did not finish within 2 s" in error["message"]
    assert answer.headers["x-should-retry"] == "false"
    assert fresh.received.is_set()
    assert fresh.closed.wait(STOP_WAIT_S), "the backend's stream to the model was not closed"


def test_a_stream_past_the_timeout_ends_with_an_error_event_and_the_model_is_stopped(
    quick_timeout_api: ApiServer, fresh: SlowServer
) -> None:
    with (
        quick_timeout_api.client() as http,
        http.stream("POST", "/v1/chat/completions", json=CHAT | {"stream": True}) as answer,
    ):
        assert answer.status_code == 200  # the first words came before the time was up
        events = [e[len("data: ") :] for e in "".join(answer.iter_text()).split("\n\n") if e]
    assert json.loads(events[1])["choices"][0]["delta"]["content"] == "Thinking"
    assert json.loads(events[-1])["error"]["code"] == "timeout"
    assert fresh.closed.wait(STOP_WAIT_S), "the backend's stream to the model was not closed"


def open_request(server: ApiServer, path: str, body: dict[str, Any]) -> socket.socket:
    """A request sent on a socket the test can close (a client that goes away)."""
    address = urlsplit(server.url)
    data = json.dumps(body).encode()
    connection = socket.create_connection((address.hostname, address.port), timeout=WAIT_S)
    head = (f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n")  # fmt: skip
    connection.sendall(head.encode() + data)
    return connection


def test_a_client_over_its_model_requests_gets_429_and_one_that_leaves_stops_its_model(
    one_slot_api: ApiServer, fresh: SlowServer
) -> None:
    first = open_request(one_slot_api, "/v1/chat/completions", CHAT)
    try:
        assert fresh.received.wait(WAIT_S), "the first request never reached the model"
        with one_slot_api.client() as http:
            error = error_of(http.post("/v1/complete", json={"prompt": "x"}), 429)
            assert (error["type"], error["code"]) == ("rate_limit_error", "too_many_concurrent_requests")
            assert http.post("/v1/complete", json={"prompt": "x"}).headers["retry-after"] == "1"
            # the engine is not a model request: it still answers
            assert http.post("/v1/check", json={"code": "int x;"}).status_code == 200
    finally:
        first.close()
    assert fresh.closed.wait(STOP_WAIT_S), "the model was not stopped when its client went away"
    # the slot is free again: the next request is served (its stream starts, then the test leaves)
    fresh.received.clear()
    with (
        one_slot_api.client() as http,
        http.stream("POST", "/v1/chat/completions", json=CHAT | {"stream": True}) as answer,
    ):
        assert answer.status_code == 200
        assert fresh.received.wait(WAIT_S)
