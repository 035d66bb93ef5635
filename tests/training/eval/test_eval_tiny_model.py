"""The evaluation with a real model: the tiny test model (tests/tiny_model.py) in-process through
llama.cpp. It writes SourcePawn-looking text and knows nothing, so the scores are only checked to
be numbers in range, never to be high; what is checked exactly is that a run can be re-scored
offline from its own outputs.jsonl."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from spcopilot.training.eval.battery import load_battery

from tests.tiny_model import TinyModel

from .conftest import BATTERY, HELD_OUT, PROBES, Run, read_json, write_jsonl


def model_flags(tiny_model: TinyModel) -> list[object]:
    # (one thread: two llama.cpp threads spin waiting for each other on a machine busy with other work)
    return ["--gguf", tiny_model.gguf_f16, "--threads", "1", "--context-size", "4096"]


def in_unit_range(value: object) -> bool:
    return value is None or (isinstance(value, (int, float)) and 0.0 <= value <= 1.0)


def test_eval_run_with_the_tiny_model(cli: Callable[..., Run], tiny_model: TinyModel, tmp_path: Path) -> None:
    items = load_battery(BATTERY)
    picked = [next(i for i in items if i.category == c) for c in ("events", "timers", "sql")]
    lines = {i.line for i in picked}
    battery = tmp_path / "three.jsonl"
    battery.write_text("".join(line + "\n" for n, line in enumerate(BATTERY.read_text().splitlines(), 1)
                               if n in lines), encoding="utf-8")  # fmt: skip
    probes = write_jsonl(tmp_path / "probes.jsonl", [json.loads(line) for line in PROBES.read_text().splitlines()
                                                     if line.startswith("{")][::8])  # fmt: skip
    out = tmp_path / "run"
    result = cli("eval", "run", "--battery", battery, "--probes", probes, "--both", "--max-tokens", "160",
                 "--out", out, *model_flags(tiny_model))  # fmt: skip
    assert result.code == 0, result.err
    report = read_json(out / "report.json")
    assert report["run"]["backend"] == "llamacpp" and report["run"]["temperature"] == 0.0
    for mode in ("raw", "guarded"):
        m = report["metrics"][mode]
        assert m["items"] == 3 and m["backend_errors"] == 0
        for key in ("pass_rate", "parse_rate", "wrong_api_avoidance", "required_met_rate", "error_free_rate"):
            assert in_unit_range(m[key]), (mode, key, m[key])
        if m["security_score"] is None:  # no answer parsed: nothing to judge, and the report says so
            assert m["judged"] == 0 and "security_score" in m["not_applicable"]
        else:
            assert 0.0 <= m["security_score"] <= 10.0
    assert set(report["categories"]) == {"events", "timers", "sql"}
    p = report["probes"]
    assert p["probes"] == 6 and in_unit_range(p["accuracy"]) and 0 <= p["over_rejections"] <= p["real"]["probes"]
    assert (out / "report.md").read_text(encoding="utf-8").startswith("# Evaluation: tiny-f16.gguf (llamacpp)")

    records = [json.loads(line) for line in (out / "outputs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sum(r["eval"]["kind"] == "battery" for r in records) == 3
    assert sum(r["eval"]["kind"] == "probe" for r in records) == 6
    offline = cli("eval", "run", "--battery", battery, "--probes", probes, "--both", "--replay-file",
                  out / "outputs.jsonl", "--out", tmp_path / "offline")  # fmt: skip
    assert offline.code == 0, offline.err
    again = read_json(tmp_path / "offline" / "report.json")
    assert again["summary"] == report["summary"]
    assert [i["modes"] for i in again["items"]] == [i["modes"] for i in report["items"]]


def test_eval_holes_with_the_tiny_model(cli: Callable[..., Run], tiny_model: TinyModel, tmp_path: Path) -> None:
    out = tmp_path / "holes"
    result = cli("eval", "holes", HELD_OUT, "--per-file", "2", "--fill-tokens", "64", "--out", out,
                 *model_flags(tiny_model))  # fmt: skip
    assert result.code == 0, result.err
    report = read_json(out / "report.json")
    m = report["metrics"]
    assert m["holes"] == 4 and report["run"]["plugins_used"] == 2 and m["backend_errors"] == 0
    for key in (
        "pass_rate",
        "filled_rate",
        "parse_rate",
        "lint_clean_rate",
        "call_recall",
        "event_recall",
        "exact_rate",
    ):
        assert in_unit_range(m[key]), (key, m[key])
    assert m["parse_rate"] <= m["filled_rate"] and m["lint_clean_rate"] <= m["filled_rate"]
    fim = [json.loads(line) for line in (out / "outputs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(fim) == 4 and all(r["eval"]["call"] == "complete" for r in fim)  # the FIM path, as in the editor

    offline = cli("eval", "holes", HELD_OUT, "--per-file", "2", "--fill-tokens", "64", "--replay-file",
                  out / "outputs.jsonl", "--out", tmp_path / "offline")  # fmt: skip
    assert offline.code == 0, offline.err
    again = read_json(tmp_path / "offline" / "report.json")
    assert [(i["id"], i["fill"], i["passed"]) for i in again["items"]] == [
        (i["id"], i["fill"], i["passed"]) for i in report["items"]
    ]
