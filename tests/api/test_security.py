"""Who may use the API: the bind check at start, the bearer token, the Host check of loopback
servers, and the starts that are refused with a message (exit 2)."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from tests.api.live_server import TEST_TOKEN, ApiServer, run_api


def test_a_bind_other_machines_reach_is_refused_without_a_token(tmp_path: Path) -> None:
    done = run_api(["--host", "0.0.0.0", "--port", 0], tmp_path)
    assert done.returncode == 2
    assert "refusing to listen on 0.0.0.0 without a token" in done.stderr
    assert "SPCOPILOT_API_TOKEN" in done.stderr and "listening on" not in done.stderr


def test_a_short_token_is_refused(tmp_path: Path) -> None:
    done = run_api(["--host", "0.0.0.0", "--port", 0], tmp_path, {"SPCOPILOT_API_TOKEN": "secret"})
    assert done.returncode == 2 and "SPCOPILOT_API_TOKEN is too short (6 characters, at least 16)" in done.stderr
    assert "secret" not in done.stderr.replace("SPCOPILOT_API_TOKEN", "").replace("secrets", "")


def test_a_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_api(["--port", port], tmp_path)
    assert done.returncode == 2
    assert f"spcopilot: error: cannot listen on 127.0.0.1:{port}: Address already in use" in done.stderr


def test_a_model_that_cannot_load_stops_the_start(tmp_path: Path) -> None:
    done = run_api(["--port", 0, "--gguf", tmp_path / "missing.gguf"], tmp_path)
    assert done.returncode == 2 and "no GGUF model at" in done.stderr and "listening on" not in done.stderr


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "missing_token"),
        (f"Bearer {TEST_TOKEN}x", "invalid_token"),
        ("Bearer", "invalid_token"),
        (f"Basic {TEST_TOKEN}", "invalid_token"),
    ],
)
def test_with_a_token_a_request_without_the_right_bearer_gets_401(
    token_api: ApiServer, authorization: str | None, code: str
) -> None:
    headers = {"authorization": authorization} if authorization else {}
    with token_api.client(headers=headers) as http:
        for answer in (http.get("/health"), http.post("/v1/check", json={"code": "int x;"}),
                       http.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "x"}]})):  # fmt: skip
            assert answer.status_code == 401, answer.request.url
            assert answer.headers["www-authenticate"] == "Bearer"
            error = answer.json()["error"]
            assert (error["type"], error["code"]) == ("authentication_error", code)


def test_with_the_token_everything_answers(token_api: ApiServer) -> None:
    with token_api.client(headers={"authorization": f"Bearer {TEST_TOKEN}"}) as http:
        health = http.get("/health").json()
        assert health["auth"] is True
        assert http.post("/v1/check", json={"code": "int x;"}).status_code == 200
        assert http.post("/v1/complete", json={"prompt": "x"}).status_code == 200


def test_the_page_and_the_schema_need_no_token_and_the_schema_names_the_scheme(token_api: ApiServer) -> None:
    with token_api.client() as http:
        assert http.get("/").status_code == 200 and http.get("/playground/app.js").status_code == 200
        schema = http.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"] == {"bearer": {"type": "http", "scheme": "bearer"}}
    assert schema["paths"]["/v1/check"]["post"]["security"] == [{"bearer": []}]
    assert token_api.stderr().count(TEST_TOKEN) == 0


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1:{port}", True),
        ("localhost:{port}", True),
        ("[::1]:{port}", True),
        ("localhost", True),
        ("evil.example:{port}", False),
        ("127.0.0.1.evil.example", False),
    ],
)
def test_a_loopback_server_answers_only_to_loopback_host_names(replay_api: ApiServer, host: str, allowed: bool) -> None:
    port = httpx.URL(replay_api.url).port
    with replay_api.client() as http:
        answer = http.get("/health", headers={"host": host.format(port=port)})
    if allowed:
        assert answer.status_code == 200
    else:
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_host"
