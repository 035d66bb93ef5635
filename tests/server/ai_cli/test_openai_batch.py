"""`batch --openai-batch` then `batch --collect` through the real `openai` SDK.

Nothing offline implements OpenAI's Batch API, so these tests point the SDK (`--base-url`) at
openai_standin.py: a small http.server on 127.0.0.1 that speaks the documented wire format of
/v1/files, /v1/batches and /v1/files/{id}/content. What is under test is our side: the request
JSONL, the SDK calls, batch.json, polling, parsing the output and error files, the guard and the
half price. The key comes from OPENAI_API_KEY only and is never written anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from spcopilot.server.ai.backends.base import Usage
from spcopilot.server.ai.cost import price_of

from .answers import BROKEN_PLUGIN, CLEAN_PLUGIN
from .conftest import Run
from .openai_standin import FAIL, StandIn


@pytest.fixture
def prompts(tmp_path: Path) -> Path:
    path = tmp_path / "prompts.jsonl"
    rows = [{"id": "pounce", "prompt": "announce hunter pounces"}, {"id": "hello", "prompt": "say hello on start"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_submit_then_collect(
    cli: Callable[..., Run], standin: StandIn, prompts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", standin.key)
    out = tmp_path / "out"
    submitted = cli(
        "batch",
        prompts,
        "-o",
        out,
        "--openai-batch",
        "--model",
        "gpt-4o-mini",
        "--base-url",
        standin.base_url,
        "--max-tokens",
        "1000",
    )
    assert submitted.code == 0, submitted.err
    assert f"spcopilot batch --collect {out}" in submitted.err

    (upload,) = standin.uploads
    assert upload["purpose"] == "batch"
    requests = [json.loads(line) for line in upload["bytes"].decode().splitlines()]
    assert [r["custom_id"] for r in requests] == ["pounce", "hello"]
    assert {(r["method"], r["url"]) for r in requests} == {("POST", "/v1/chat/completions")}
    body = requests[0]["body"]
    assert body["model"] == "gpt-4o-mini" and body["max_tokens"] == 1000
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert body["messages"][1]["content"].startswith("announce hunter pounces")

    state = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    (batch_id,) = standin.batches
    assert state["batch_id"] == batch_id and state["input_file_id"] in standin.files
    assert [p["id"] for p in state["prompts"]] == ["pounce", "hello"] and state["collected"] is False
    assert standin.batches[batch_id]["completion_window"] == "24h"
    assert standin.key not in (out / "batch.json").read_text(encoding="utf-8")

    again = cli("batch", prompts, "-o", out, "--openai-batch", "--model", "gpt-4o-mini", "--base-url", standin.base_url)
    assert again.code == 2 and "not collected yet" in again.err  # one job per folder at a time

    pending = cli("batch", "--collect", out)
    assert pending.code == 0 and "in_progress" in pending.err and "run `spcopilot batch --collect" in pending.err
    assert not (out / "results.jsonl").exists()

    collected = cli("batch", "--collect", out, "--json")
    assert collected.code == 0, collected.err
    rows = {r["id"]: r for r in map(json.loads, (out / "results.jsonl").read_text(encoding="utf-8").splitlines())}
    assert sorted(rows) == ["hello", "pounce"]
    code = (out / "pounce.sp").read_text(encoding="utf-8")
    assert "lunge_pounce" in code and "GetRandomFloat" in code
    assert rows["pounce"]["guard"] == "fixed SPC101, SPC201, SPC401; review the unsafe fixes of SPC401"
    assert rows["pounce"]["batch_api"] is True
    usage = Usage(**rows["pounce"]["usage"])
    expected = price_of("gpt-4o-mini", "openai").cost(usage, batch=True)
    assert expected > 0 and rows["pounce"]["cost_usd"] == round(expected, 6)
    assert rows["pounce"]["cost_usd"] == round(price_of("gpt-4o-mini", "openai").cost(usage) / 2, 6)
    assert json.loads((out / "batch.json").read_text(encoding="utf-8"))["collected"] is True
    assert ("POST", "/v1/chat/completions") not in standin.requests  # nothing at the full price

    resubmit = cli(
        "batch", prompts, "-o", out, "--openai-batch", "--model", "gpt-4o-mini", "--base-url", standin.base_url
    )
    assert resubmit.code == 0 and "nothing to submit" in resubmit.err


def test_failed_requests_are_reported_and_can_be_resubmitted(
    cli: Callable[..., Run], standin: StandIn, prompts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", standin.key)
    standin.rules.insert(0, ("hello", FAIL))
    standin.polls_before_done = 0
    out = tmp_path / "out"
    argv = ("batch", prompts, "-o", out, "--openai-batch", "--model", "gpt-4o-mini", "--base-url", standin.base_url)
    assert cli(*argv).code == 0
    collected = cli("batch", "--collect", out, "--wait", "--poll-interval", "1")
    assert collected.code == 2
    assert "1 request(s) not answered (hello: stand-in failure)" in collected.err
    assert "submit the rest again" in collected.err
    assert (out / "pounce.sp").is_file() and not (out / "hello.sp").exists()

    standin.rules.pop(0)
    assert cli(*argv).code == 0
    _, resubmitted = standin.uploads
    assert [json.loads(line)["custom_id"] for line in resubmitted["bytes"].decode().splitlines()] == ["hello"]
    assert cli("batch", "--collect", out).code == 0
    assert (out / "hello.sp").is_file()


def test_batch_api_errors(
    cli: Callable[..., Run], standin: StandIn, prompts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong")
    wrong_key = cli("batch", prompts, "-o", out, "--openai-batch", "--model", "m", "--base-url", standin.base_url)
    assert wrong_key.code == 2 and "rejected the API key (401)" in wrong_key.err and "sk-wrong" not in wrong_key.err

    local = cli("batch", prompts, "-o", out, "--openai-batch", "--replay-file", tmp_path / "r.jsonl")
    assert local.code == 2 and "use it with the openai backend" in local.err

    nothing = cli("batch", "--collect", tmp_path)
    assert nothing.code == 2 and "no batch.json" in nothing.err


def test_a_repair_round_is_a_normal_request(
    cli: Callable[..., Run], standin: StandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", standin.key)
    standin.rules[:0] = [("checker reports", CLEAN_PLUGIN), ("broken", BROKEN_PLUGIN)]
    standin.polls_before_done = 0
    prompts = tmp_path / "p.txt"
    prompts.write_text("a broken plugin\n", encoding="utf-8")
    out = tmp_path / "out"
    submit = ("batch", prompts, "-o", out, "--openai-batch", "--model", "gpt-4o-mini", "--base-url", standin.base_url)
    assert cli(*submit).code == 0
    collected = cli("batch", "--collect", out)
    assert collected.code == 0, collected.err
    (row,) = map(json.loads, (out / "results.jsonl").read_text(encoding="utf-8").splitlines())
    assert row["repaired_by_model"] is True and row["clean"] is True
    (repair,) = standin.chats  # one request through /v1/chat/completions, at the normal price
    assert "The SourcePawn checker reports" in repair["messages"][-1]["content"]

    (job,) = standin.batches.values()
    (answer,) = map(json.loads, standin.files[job["output_file_id"]].decode().splitlines())
    batch_usage = answer["response"]["body"]["usage"]
    repair_usage = standin.usage(repair["messages"], CLEAN_PLUGIN)
    price = price_of("gpt-4o-mini", "openai")
    expected = price.cost(Usage(batch_usage["prompt_tokens"], batch_usage["completion_tokens"]), batch=True)
    expected += price.cost(Usage(repair_usage["prompt_tokens"], repair_usage["completion_tokens"]))
    assert row["cost_usd"] == round(expected, 6)


def test_a_failed_job_says_why_and_allows_a_new_one(
    cli: Callable[..., Run], standin: StandIn, prompts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", standin.key)
    standin.reject_batches = "the input file is not valid JSONL"
    out = tmp_path / "out"
    argv = ("batch", prompts, "-o", out, "--openai-batch", "--model", "gpt-4o-mini", "--base-url", standin.base_url)
    assert cli(*argv).code == 0
    waited = cli("batch", "--collect", out, "--wait", "--poll-interval", "1")
    assert waited.code == 2 and "failed: invalid_file: the input file is not valid JSONL" in waited.err
    assert "in_progress" in waited.err  # it polled once before the job ended
    standin.reject_batches = ""
    assert cli(*argv).code == 0 and len(standin.batches) == 2
