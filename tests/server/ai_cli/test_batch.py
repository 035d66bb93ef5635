"""`spcopilot batch PROMPTS --output DIR` with the replay backend: one guarded .sp per prompt, a
results.jsonl line each, resumable, stops at the first failure, clear errors for bad PROMPTS."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .answers import CLEAN_PLUGIN, FLAWED_PLUGIN
from .conftest import Run


def results(folder: Path) -> dict[str, dict[str, Any]]:
    rows = [json.loads(line) for line in (folder / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    return {row["id"]: row for row in rows}


def test_text_prompts_then_resume(cli: Callable[..., Run], replay: Path, tmp_path: Path) -> None:
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("announce hunter pounces\n\nsay hello on start\n", encoding="utf-8")
    out = tmp_path / "out"
    run = cli("batch", prompts, "--output", out, "--replay-file", replay, "--concurrency", "2")
    assert run.code == 0, run.err
    rows = results(out)
    assert len(rows) == 2
    pounce = next(r for r in rows.values() if r["prompt"] == "announce hunter pounces")
    code = (out / str(pounce["file"])).read_text(encoding="utf-8")
    assert "lunge_pounce" in code and "GetRandomFloat" in code
    # generated code gets the unsafe fixes too: the client index in the timer becomes a userid
    assert pounce["guard"] == "fixed SPC101, SPC201, SPC401; review the unsafe fixes of SPC401" and pounce["clean"]
    assert pounce["remaining"] == [] and [f["unsafe"] for f in pounce["fixed"] if f["code"] == "SPC401"] == [True]
    assert pounce["usage"]["completion_tokens"] > 0 and pounce["cost_usd"] == 0
    assert "2 generated, 0 already done" in run.err
    assert "[1/2]" in run.err and "[2/2]" in run.err  # progress lines when stderr is not a terminal

    again = cli("batch", prompts, "--output", out, "--replay-file", replay, "--json")
    summary = again.json()
    assert again.code == 0 and isinstance(summary, dict)
    assert (summary["generated"], summary["skipped"], summary["done"]) == (0, 2, 2)


def test_jsonl_ids_and_exit_1_when_errors_remain(cli: Callable[..., Run], replay: Path, tmp_path: Path) -> None:
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text(
        json.dumps({"id": "pounce", "prompt": "announce hunter pounces"})
        + "\n"
        + json.dumps({"id": "bad", "prompt": "a broken plugin"})
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    run = cli("batch", prompts, "-o", out, "--replay-file", replay, "--no-repair")
    assert run.code == 1, run.err
    rows = results(out)
    assert sorted(rows) == ["bad", "pounce"] and (out / "pounce.sp").is_file() and (out / "bad.sp").is_file()
    assert rows["bad"]["clean"] is False and rows["bad"]["syntax"]
    assert "1 with errors left" in run.err


def test_first_failure_stops_and_a_rerun_continues(
    cli: Callable[..., Run], make_replay: Callable[..., Path], tmp_path: Path
) -> None:
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("hello one\nunknown two\nhello three\n", encoding="utf-8")
    out = tmp_path / "out"
    partial = make_replay([("hello", CLEAN_PLUGIN)], name="partial.jsonl")
    run = cli("batch", prompts, "-o", out, "--replay-file", partial, "-j", "1")
    assert run.code == 2
    assert "unknown-two-" in run.err and "(line 2)" in run.err and "no recorded output" in run.err
    assert "run the same command again" in run.err
    assert len(results(out)) == 1

    full = make_replay([("hello", CLEAN_PLUGIN), (None, FLAWED_PLUGIN)], name="full.jsonl")
    rerun = cli("batch", prompts, "-o", out, "--replay-file", full, "-j", "1")
    assert rerun.code == 0, rerun.err
    assert "2 generated, 1 already done" in rerun.err and len(results(out)) == 3


def test_a_line_cut_short_by_a_killed_run_is_redone(cli: Callable[..., Run], replay: Path, tmp_path: Path) -> None:
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("hello one\nhello two\n", encoding="utf-8")
    out = tmp_path / "out"
    assert cli("batch", prompts, "-o", out, "--replay-file", replay).code == 0
    lines = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()
    (out / "results.jsonl").write_text(lines[0] + "\n" + lines[1][:40], encoding="utf-8")
    run = cli("batch", prompts, "-o", out, "--replay-file", replay)
    assert run.code == 0 and "results.jsonl:2: unreadable line dropped" in run.err
    assert "1 generated, 1 already done" in run.err
    assert len(results(out)) == 2  # the cut line is gone, the new one is whole


def test_bad_prompts_files(cli: Callable[..., Run], replay: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n", encoding="utf-8")
    run = cli("batch", empty, "-o", tmp_path / "o", "--replay-file", replay)
    assert run.code == 2 and f"{empty} has no prompts" in run.err

    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"prompt": "ok"}\n{"prompt": "no closing brace"\n', encoding="utf-8")
    run = cli("batch", broken, "-o", tmp_path / "o", "--replay-file", replay)
    assert run.code == 2 and f"{broken}:2: not valid JSON" in run.err

    twice = tmp_path / "twice.jsonl"
    twice.write_text('{"id": "a", "prompt": "x"}\n{"id": "a", "prompt": "y"}\n', encoding="utf-8")
    run = cli("batch", twice, "-o", tmp_path / "o", "--replay-file", replay)
    assert run.code == 2 and f"{twice}:2: id 'a' again (first on line 1)" in run.err

    unsafe = tmp_path / "unsafe.jsonl"
    unsafe.write_text('{"id": "../escape", "prompt": "x"}\n', encoding="utf-8")
    run = cli("batch", unsafe, "-o", tmp_path / "o", "--replay-file", replay)
    assert run.code == 2 and f"{unsafe}:1: id '../escape' cannot name a file" in run.err

    missing = cli("batch", tmp_path / "absent.txt", "-o", tmp_path / "o", "--replay-file", replay)
    assert missing.code == 2 and "no such file" in missing.err


def test_usage_errors(cli: Callable[..., Run], replay: Path, tmp_path: Path) -> None:
    prompts = tmp_path / "p.txt"
    prompts.write_text("hello\n", encoding="utf-8")
    assert "needs PROMPTS and --output" in cli("batch", prompts, "--replay-file", replay).err
    assert "takes no PROMPTS" in cli("batch", prompts, "--collect", tmp_path).err
    assert "--concurrency must be at least 1" in cli("batch", prompts, "-o", tmp_path / "o", "-j", "0").err
    (tmp_path / "file").write_text("", encoding="utf-8")
    run = cli("batch", prompts, "-o", tmp_path / "file", "--replay-file", replay)
    assert run.code == 2 and "is a file" in run.err
