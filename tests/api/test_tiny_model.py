"""Every model endpoint with a real model: the tiny test model (tests/tiny_model.py) through the
llama.cpp backend, in the API's own process. Its answers are SourcePawn-looking text, not
plugins: what is checked is the path (prompts, limits, the guard, usage), not the quality."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from tests.api.live_server import ApiServer, start_api
from tests.tiny_model import TinyModel

ROOT = Path(__file__).resolve().parents[2]
# One of the tiny model's training plugins with a statement cut out: the model has seen it, so
# its greedy fill (with the context the editor's path adds) gives the statement back.
DOCUMENT = ROOT / "tests" / "fixtures" / "tiny_corpus" / "infected_glow.sp"
CUT = '\tRegConsoleCmd("sm_glowinfo", Command_GlowInfo);'


@pytest.fixture(scope="module")
def tiny_api(tiny_model: TinyModel, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    server = start_api(["--gguf", tiny_model.gguf_f16, "--threads", 1, "--context-size", 2048,
                        "--temperature", 0], tmp_path_factory.mktemp("tiny"))  # fmt: skip
    yield server
    server.stop()


def post(server: ApiServer, path: str, body: dict[str, Any]) -> dict[str, Any]:
    with server.client() as http:
        answer = http.post(path, json=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_health_names_the_local_model(tiny_api: ApiServer, tiny_model: TinyModel) -> None:
    with tiny_api.client() as http:
        health = http.get("/health").json()
    assert (health["backend"], health["model"]) == ("llamacpp", tiny_model.gguf_f16.name)
    assert health["loaded"]["threads"] == 1 and health["loaded"]["context"] == 2048


def test_fill_in_the_middle_through_the_inline_path(tiny_api: ApiServer) -> None:
    text = DOCUMENT.read_text(encoding="utf-8")
    at = text.index(CUT)
    prefix, suffix = text[:at] + "\t", text[at + len(CUT) :]  # the cursor after the cut line's indentation
    answer = post(tiny_api, "/v1/complete", {"prefix": prefix, "suffix": suffix, "path": DOCUMENT.name})
    assert answer["mode"] == "fill" and "RegConsoleCmd(" in answer["code"], answer
    assert answer["usage"]["prompt_tokens"] > 100 and answer["usage"]["completion_tokens"] > 0
    assert answer["cost"].endswith("no cost (local)") and answer["guard"]["clean"] is True


def test_an_instruction_keeps_to_max_tokens(tiny_api: ApiServer) -> None:
    answer = post(tiny_api, "/v1/complete", {"prompt": "give every survivor a medkit", "max_tokens": 12})
    assert answer["mode"] == "instruction" and answer["finish_reason"] in ("stop", "length")
    assert 0 < answer["usage"]["completion_tokens"] <= 12


def test_generate_plugin_goes_through_the_guard(tiny_api: ApiServer) -> None:
    answer = post(tiny_api, "/v1/generate-plugin", {"prompt": "announce the tank", "max_tokens": 40,
                                                    "repair": False})  # fmt: skip
    assert 0 < answer["usage"]["completion_tokens"] <= 40
    guard = answer["guard"]
    assert guard["repaired_by_model"] is False
    assert guard["clean"] == (not guard["syntax"] and not any(d["severity"] == "error" for d in guard["remaining"]))


def test_the_sdk_streams_the_same_answer_as_it_gets_whole(tiny_api: ApiServer) -> None:
    client = openai.OpenAI(base_url=f"{tiny_api.url}/v1", api_key="unused")
    question: list[ChatCompletionMessageParam] = [{"role": "user", "content": "How do I hook the round start?"}]
    whole = client.chat.completions.create(model="tiny", messages=question, max_tokens=24, temperature=0)
    assert whole.usage is not None and 0 < whole.usage.completion_tokens <= 24
    stream = client.chat.completions.create(model="tiny", messages=question, max_tokens=24, temperature=0,
                                            stream=True)  # fmt: skip
    streamed = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert streamed == whole.choices[0].message.content  # greedy: the same tokens, the same guard
