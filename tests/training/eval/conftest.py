"""Fixtures for the evaluation tests: a clean environment, the CLI run in-process, replay files
and small batteries written into the test's folder."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).parent
REPO = HERE.parents[2]
BATTERY = REPO / "training" / "eval" / "data" / "battery.jsonl"
PROBES = REPO / "training" / "eval" / "data" / "probes.jsonl"
REFERENCE = HERE / "reference"  # a correct answer to every prompt of the shipped battery
HELD_OUT = HERE / "held_out"  # two small plugins of ours for the hole benchmark
AI_ENV = ("SPCOPILOT_BACKEND", "SPCOPILOT_GGUF", "SPCOPILOT_MODEL", "SPCOPILOT_REPLAY_FILE", "OPENAI_BASE_URL",
          "OPENAI_API_KEY")  # fmt: skip


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No AI settings from the machine, and a working folder without a .spcopilot.toml above it."""
    for name in AI_ENV:
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    def run(*argv: object) -> Run:
        from spcopilot.cli import main

        capsys.readouterr()
        code = main([str(a) for a in argv])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def fenced(code: str) -> str:
    return f"Here is the plugin:\n```sourcepawn\n{code}```\n"


def battery_prompt(prompt: str) -> str:
    """What a chat backend sees as the last user message of a battery prompt."""
    from spcopilot.server.ai.prompts import tasks

    return tasks.plugin_messages(prompt)[-1].content
