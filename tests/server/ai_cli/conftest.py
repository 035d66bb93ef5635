"""Fixtures for the generation CLI: a clean environment, a recorded-output (replay) file, and the
CLI run in-process through `spcopilot.cli.main(argv)`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cli_fixtures import AI_ENV, Run, clean_env, cli  # noqa: F401 (fixtures for this folder)

from .answers import BROKEN_PLUGIN, CLEAN_PLUGIN, FLAWED_PLUGIN
from .openai_standin import StandIn, running


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
