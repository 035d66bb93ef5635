"""The official `openai` Python SDK against /v1: what existing OpenAI clients do, streaming and
not, and how our errors reach them (the message, and no pointless retries)."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from tests.api.answers import CHAT_QUESTION
from tests.api.live_server import ApiServer, start_api

QUESTION: list[ChatCompletionMessageParam] = [{"role": "user", "content": CHAT_QUESTION}]


def sdk(server: ApiServer, max_retries: int = 2) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=max_retries)


def test_the_sdk_gets_a_chat_completion(replay_api: ApiServer) -> None:
    answer = sdk(replay_api).chat.completions.create(model="gpt-4o-mini", messages=QUESTION)
    assert answer.model == "replay:replay.jsonl"
    content = answer.choices[0].message.content or ""
    assert 'HookEvent("lunge_pounce", Event_Pounce);' in content
    assert answer.choices[0].finish_reason == "stop"
    assert answer.usage is not None and answer.usage.total_tokens > 0
    extension = (answer.model_extra or {})["spcopilot"]  # our field, kept by the SDK
    assert {f["code"] for f in extension["guard"][0]["fixed"]} == {"SPC201", "SPC101"}


def test_the_sdk_streams_a_chat_completion(replay_api: ApiServer) -> None:
    client = sdk(replay_api)
    whole = client.chat.completions.create(model="m", messages=QUESTION)
    stream = client.chat.completions.create(
        model="m",
        messages=QUESTION,
        stream=True,
        stream_options={"include_usage": True},
    )
    pieces, finish, usage = [], None, None
    for chunk in stream:
        if chunk.choices:
            pieces.append(chunk.choices[0].delta.content or "")
            finish = chunk.choices[0].finish_reason or finish
        if chunk.usage:
            usage = chunk.usage
    assert "".join(pieces) == whole.choices[0].message.content
    assert finish == "stop"
    assert usage is not None and whole.usage is not None and usage.total_tokens == whole.usage.total_tokens


def test_the_sdk_shows_our_error_message(replay_api: ApiServer) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        sdk(replay_api).chat.completions.create(model="m", messages=QUESTION, max_tokens=100_000)
    assert raised.value.status_code == 400
    assert "max_tokens = 100000 is more than this server allows (4096)" in raised.value.message
    assert raised.value.code == "max_tokens_too_large" and raised.value.param == "max_tokens"


@pytest.fixture(scope="module")
def no_backend_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    server = start_api([], tmp_path_factory.mktemp("none"))
    yield server
    server.stop()


def test_without_a_backend_the_sdk_is_told_how_to_configure_one_and_does_not_retry(
    no_backend_api: ApiServer,
) -> None:
    with pytest.raises(openai.InternalServerError) as raised:
        sdk(no_backend_api, max_retries=3).chat.completions.create(model="m", messages=QUESTION)
    assert raised.value.status_code == 503 and raised.value.code == "no_backend"
    assert "No AI backend is configured" in raised.value.message
    assert raised.value.response.headers["x-should-retry"] == "false"
    log = no_backend_api.stderr()
    assert log.count('"POST /v1/chat/completions HTTP/1.1" 503') == 1  # one request: the SDK did not retry


def test_without_a_backend_the_engine_still_answers(no_backend_api: ApiServer) -> None:
    with no_backend_api.client() as http:
        assert http.get("/health").json()["backend"] == "none"
        answer = http.post("/v1/check", json={"code": 'public void OnPluginStart() { HookEvent("pounce", E); }'})
        assert answer.status_code == 200 and answer.json()["diagnostics"][0]["code"] == "SPC201"
        for path, body in (("/v1/complete", {"prompt": "x"}), ("/v1/generate-plugin", {"prompt": "x"})):
            refused = http.post(path, json=body)
            assert refused.status_code == 503 and refused.json()["error"]["code"] == "no_backend", path
