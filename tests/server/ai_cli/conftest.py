"""Fixtures for the generation CLI: a clean environment, a recorded-output (replay) file, and the
CLI run in-process through `spcopilot.cli.main(argv)`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .answers import BROKEN_PLUGIN, CLEAN_PLUGIN, FLAWED_PLUGIN
from .openai_standin import StandIn, running

AI_ENV = (
    "SPCOPILOT_BACKEND",
    "SPCOPILOT_GGUF",
    "SPCOPILOT_MODEL",
    "SPCOPILOT_REPLAY_FILE",
    "OPENAI_BASE_URL",
    "OPENAI_API_KEY",
)


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> object:
        return json.loads(self.out)


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
    def run(*argv: str) -> Run:
        from spcopilot.cli import main

        capsys.readouterr()
        code = main([str(a) for a in argv])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def make_replay(tmp_path: Path) -> Callable[..., Path]:
    """`make_replay([("pounce", FLAWED_PLUGIN), (None, CLEAN_PLUGIN)])` -> a replay JSONL
    (("contains", output) pairs; None = a catch-all)."""

    def make(records: list[tuple[str | None, str]], name: str = "replay.jsonl") -> Path:
        path = tmp_path / name
        rows = [{"output": out} | ({"contains": needle} if needle is not None else {}) for needle, out in records]
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        return path

    return make


@pytest.fixture
def replay(make_replay: Callable[..., Path]) -> Path:
    return make_replay(
        [("checker reports", CLEAN_PLUGIN), ("pounce", FLAWED_PLUGIN), ("broken", BROKEN_PLUGIN), (None, CLEAN_PLUGIN)]
    )


@pytest.fixture
def standin() -> Iterator[StandIn]:
    state = StandIn(rules=[("pounce", FLAWED_PLUGIN), ("hello", CLEAN_PLUGIN)], key="sk-standin-secret")
    with running(state) as live:
        yield live
