"""The battery's compile pass rate, with the stand-in compiler (tests/spcomp_standin.py): shown
next to the pass rate when a compiler is found, absent without one, never part of pass."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from . import answers
from .conftest import Run
from .test_eval_run import GOOD, REPAIR_PROMPT, replay_of, run_battery

MARKER = '  // standin: error 017: undefined symbol "g_Unknown"'


@pytest.fixture
def sourcemod_includes(spcomp) -> None:
    """The compiler's own include folder, as a SourceMod install has it."""
    include = spcomp.path.parent / "include"
    include.mkdir(exist_ok=True)
    for name in ("sourcemod", "sdktools"):
        (include / f"{name}.inc").write_text("// stand-in include\n")


def not_compiling(code: str) -> str:
    first_statement = code.index(";\n", code.index("{")) + 1
    return code[:first_statement] + MARKER + code[first_statement:]


def test_compile_pass_rate_next_to_the_pass_rate(
    cli: Callable[..., Run],
    small_battery: Path,
    tmp_path: Path,
    sourcemod_includes,
) -> None:
    outputs = {**GOOD, "api-random": not_compiling(answers.RANDOM_GOOD)}
    report = run_battery(cli, small_battery, replay_of(tmp_path, "r.jsonl", outputs, repair=answers.RANDOM_GOOD),
                         tmp_path / "run", "--both")  # fmt: skip
    raw, guarded = report["metrics"]["raw"], report["metrics"]["guarded"]
    assert raw["compile_pass_rate"] == 0.75 and guarded["compile_pass_rate"] == 1.0  # the repair round fixed it
    assert raw["pass_rate"] == 1.0  # a compile error is not part of pass
    assert report["summary"]["raw: compile pass rate"] == 0.75
    item = next(i for i in report["items"] if i["id"] == "api-random")
    assert item["modes"]["raw"]["compiles"] is False and item["modes"]["guarded"]["compiles"] is True
    assert "| compiles (spcomp) | 75.0 % | 100.0 % |" in (tmp_path / "run" / "report.md").read_text()


def test_no_compile_pass_rate_without_a_compiler(
    cli: Callable[..., Run],
    small_battery: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    report = run_battery(cli, small_battery, replay_of(tmp_path, "r.jsonl", GOOD), tmp_path / "run", "--both")
    assert report["metrics"]["raw"]["compile_pass_rate"] is None
    assert not any("compile" in key for key in report["summary"])
    assert all(i["modes"]["raw"]["compiles"] is None for i in report["items"])


def test_the_repair_prompt_carries_the_compile_error(
    cli: Callable[..., Run],
    small_battery: Path,
    tmp_path: Path,
    sourcemod_includes,
) -> None:
    outputs = {**GOOD, "api-random": not_compiling(answers.RANDOM_GOOD)}
    run_battery(
        cli, small_battery, replay_of(tmp_path, "r.jsonl", outputs, repair=answers.RANDOM_GOOD), tmp_path / "run"
    )
    recorded = (tmp_path / "run" / "outputs.jsonl").read_text()
    assert REPAIR_PROMPT in recorded and "spcomp-017" in recorded
