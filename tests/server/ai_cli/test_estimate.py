"""`spcopilot estimate`: prompt tokens of the messages `generate` would send, an assumed output,
the model's price and the Batch API's half price; says how tokens were counted; spends nothing."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest
from spcopilot.server.ai.backends.base import Usage
from spcopilot.server.ai.cost import price_of

from .conftest import Run


@pytest.fixture
def prompts(tmp_path: Path) -> Path:
    path = tmp_path / "prompts.txt"
    path.write_text("announce hunter pounces\nsay hello on start, and also greet every player by name\n")
    return path


def test_openai_price_without_a_key_or_a_request(cli: Callable[..., Run], prompts: Path) -> None:
    run = cli("estimate", prompts, "--model", "gpt-4o-mini", "--json")
    assert run.code == 0, run.err
    data = run.json()
    assert isinstance(data, dict)
    assert data["backend"] == "openai" and data["expected_output_tokens"] == 800
    if "tiktoken" not in sys.modules:
        assert data["counted_by"] == "estimate: 4 bytes a token (tiktoken is not installed)"
    short, long = data["prompts"]
    assert long["prompt_tokens"] > short["prompt_tokens"] > 500  # the system prompt is in every request
    price = price_of("gpt-4o-mini", "openai")
    assert short["usd"] == pytest.approx(price.cost(Usage(short["prompt_tokens"], 800)))
    assert short["batch_usd"] == pytest.approx(short["usd"] / 2)
    assert data["total"]["usd"] == pytest.approx(short["usd"] + long["usd"])
    assert data["total"]["prompts"] == 2


def test_text_output(cli: Callable[..., Run], prompts: Path) -> None:
    run = cli("estimate", prompts, "--model", "gpt-4o-mini", "--expected-output-tokens", "300")
    assert run.code == 0
    assert "$0.15 in / $0.6 out per million tokens" in run.out and "Batch API" in run.out
    assert "tokens counted by: estimate: 4 bytes a token" in run.out
    assert "assumed output: 300 tokens" in run.out
    assert run.out.count("$0.0") >= 6 and "total" in run.out


def test_output_is_capped_by_max_tokens_and_unknown_prices_say_so(cli: Callable[..., Run], prompts: Path) -> None:
    run = cli(
        "estimate",
        prompts,
        "--model",
        "my-own-model",
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--max-tokens",
        "50",
        "--json",
    )
    data = run.json()
    assert isinstance(data, dict)
    assert data["expected_output_tokens"] == 50 and data["price"]["known"] is False
    text = cli("estimate", prompts, "--model", "my-own-model", "--base-url", "http://127.0.0.1:9/v1")
    assert "no known price" in text.out and "?" in text.out


def test_tiktoken_when_installed(cli: Callable[..., Run], prompts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tiktoken is not a dependency (nor installed here); a stand-in module checks that it is
    used when importable: one token per character, so the counts are easy to predict."""

    class Encoding:
        name = "standin_base"

        def encode(self, text: str, disallowed_special: object = ()) -> list[int]:
            return [0] * len(text)

    fake = types.ModuleType("tiktoken")
    fake.encoding_for_model = lambda model: Encoding()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tiktoken", fake)
    run = cli("estimate", prompts, "--model", "gpt-4o-mini", "--json")
    data = run.json()
    assert isinstance(data, dict)
    assert data["counted_by"] == "tiktoken (standin_base)"
    short, long = data["prompts"]
    extra = len("say hello on start, and also greet every player by name") - len("announce hunter pounces")
    assert long["prompt_tokens"] - short["prompt_tokens"] == extra


def test_local_backends_cost_nothing(cli: Callable[..., Run], prompts: Path, replay: Path) -> None:
    run = cli("estimate", prompts, "--replay-file", replay)
    assert run.code == 0
    assert "local, costs nothing" in run.out and "tokens counted by: estimate: 4 bytes a token\n" in run.out


def test_no_backend_is_not_priced_as_local(cli: Callable[..., Run], prompts: Path) -> None:
    run = cli("estimate", prompts)
    assert run.code == 0, run.err
    assert "no AI backend: nothing would be sent or charged" in run.out and "costs nothing" not in run.out


def test_bad_input(cli: Callable[..., Run], tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    run = cli("estimate", empty, "--model", "gpt-4o-mini")
    assert run.code == 2 and "has no prompts" in run.err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": 3}\n')
    run = cli("estimate", bad, "--model", "gpt-4o-mini")
    assert run.code == 2 and f'{bad}:1: "prompt" must be a non-empty string' in run.err
