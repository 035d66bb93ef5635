"""Shared by the CLI tests (generation CLI, evaluation): the `spcopilot` command run in-process
through `spcopilot.cli.main(argv)`, in a working folder with no AI settings from the machine.
Conftests import the fixtures from here."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from spcopilot.server.ai.config import ENV

AI_ENV = (*ENV.values(), "OPENAI_API_KEY")


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> object:
        return json.loads(self.out)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
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
