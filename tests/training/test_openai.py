"""`spcopilot train openai`, `openai-status`, `openai-cancel` against a local stand-in of the
fine-tuning endpoints (tests/training/openai_standin.py: nothing real implements them offline),
driven through the official `openai` SDK."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from spcopilot.server.ai.prompts.fim import COMPLETION_OPEN, FILL

from spcopilot.cli import main
from tests.training.conftest import read_jsonl
from tests.training.openai_standin import StandIn

pytest.importorskip("openai")


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with StandIn() as server:
        yield server


def openai_args(data: Path, standin: StandIn, *extra: str) -> list[str]:
    return ["train", "openai", str(data), "--model", "gpt-4.1-mini-2025-04-14", "--suffix", "spcopilot",
            "--base-url", standin.base_url, "--poll-interval", "0", *extra]  # fmt: skip


def test_supervised_job_from_a_prepared_folder(prepared: Path, standin: StandIn, tmp_path: Path, capsys) -> None:
    record_path = tmp_path / "job.json"
    assert main(openai_args(prepared, standin, "--record", str(record_path), "--epochs", "2")) == 0
    out = capsys.readouterr().out
    assert "estimated cost:" in out and "$" in out
    assert ": validating_files" in out and ": running" in out and ": succeeded" in out
    assert "Validating training file" in out  # the job's events are shown too

    record = json.loads(record_path.read_text())
    job = record["job"]
    assert job["status"] == "succeeded" and job["fine_tuned_model"].startswith("ft:gpt-4.1-mini-2025-04-14")
    assert record["estimate"]["epochs"] == 2 and record["estimate"]["usd"] > 0

    train = standin.uploaded(job["training_file"])
    chat = read_jsonl(prepared / "train" / "chat.jsonl")
    holes = read_jsonl(prepared / "train" / "fim.jsonl")
    assert len(train) == len(chat) + len(holes)
    assert all(set(r) == {"messages"} for r in train)  # our meta keys are not uploaded
    fim = [r for r in train if FILL in r["messages"][1]["content"]]
    assert len(fim) == len(holes)  # holes rendered as the server's hole-filler chat prompt
    assert all(r["messages"][-1]["content"].startswith(COMPLETION_OPEN) for r in fim)
    assert standin.uploaded(job["validation_file"])
    sent = standin.jobs[job["id"]]
    assert sent["suffix"] == "spcopilot" and sent["method"]["supervised"]["hyperparameters"]["n_epochs"] == 2


def test_dpo_job_uploads_preference_pairs(dpo_data: Path, standin: StandIn, tmp_path: Path) -> None:
    args = openai_args(dpo_data.parent, standin, "--method", "dpo", "--beta", "0.2", "--no-wait")
    assert main([*args, "--record", str(tmp_path / "job.json")]) == 0
    job = json.loads((tmp_path / "job.json").read_text())["job"]
    assert job["status"] == "validating_files"  # --no-wait: created, not followed
    pairs = standin.uploaded(job["training_file"])
    assert len(pairs) == len(read_jsonl(dpo_data / "train.jsonl"))
    assert set(pairs[0]) == {"input", "preferred_output", "non_preferred_output"}
    assert standin.jobs[job["id"]]["method"] == {
        "type": "dpo",
        "dpo": {"hyperparameters": {"n_epochs": 3, "beta": 0.2}},
    }


def test_status_and_cancel_from_the_job_record(prepared: Path, standin: StandIn, tmp_path: Path, capsys) -> None:
    record_path = tmp_path / "job.json"
    assert main([*openai_args(prepared, standin, "--no-wait"), "--record", str(record_path)]) == 0
    assert main(["train", "openai-status", str(record_path), "--base-url", standin.base_url]) == 0
    assert json.loads(record_path.read_text())["job"]["status"] == "running"
    assert main(["train", "openai-cancel", str(record_path), "--base-url", standin.base_url]) == 0
    assert json.loads(record_path.read_text())["job"]["status"] == "cancelled"
    assert ": cancelled" in capsys.readouterr().out
    job_id = json.loads(record_path.read_text())["job"]["id"]
    assert main(["train", "openai-status", job_id, "--base-url", standin.base_url]) == 0
    assert main(["train", "openai-status", "not-a-job", "--base-url", standin.base_url]) == 2


def test_dry_run_validates_and_estimates_without_uploading(prepared: Path, standin: StandIn, capsys) -> None:
    assert main([*openai_args(prepared, standin, "--dry-run"), "--price", "10"]) == 0
    out = capsys.readouterr().out
    assert "dry run: nothing uploaded" in out and "estimated cost" in out
    assert standin.requests == []


def test_invalid_files_are_rejected_before_upload(tmp_path: Path, standin: StandIn, capsys) -> None:
    few = tmp_path / "few.jsonl"
    record = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    few.write_text(
        json.dumps(record) + "\n" + json.dumps({"messages": [{"role": "user", "content": "no answer"}]}) + "\n"
    )
    assert main(openai_args(few, standin)) == 2
    err = capsys.readouterr().err
    assert "at least 10" in err and "no assistant message" in err
    assert standin.requests == []
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{oops\n")
    assert main(openai_args(broken, standin)) == 2
    assert "broken.jsonl:1: not a valid JSONL line" in capsys.readouterr().err


def test_api_errors_are_clear_messages(prepared: Path, standin: StandIn, monkeypatch, capsys) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "wrong-key")
    assert main(openai_args(prepared, standin, "--no-wait")) == 2
    assert "rejected the API key" in capsys.readouterr().err
    monkeypatch.delenv("OPENAI_API_KEY")
    assert main(openai_args(prepared, standin, "--no-wait")) == 2
    assert "OPENAI_API_KEY is not set" in capsys.readouterr().err
