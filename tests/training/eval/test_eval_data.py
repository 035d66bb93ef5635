"""The shipped battery and probe set: their size and spread, the probes' facts against the
knowledge base, and a calibration run: a correct answer written by us for every prompt
(tests/training/eval/reference/<id>.sp) passes, raw and guarded, so no item asks for something
correct code cannot give or that the engine rejects in correct code."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from spcopilot.diagnostics.knowledge.apis import nonexistent_functions
from spcopilot.diagnostics.knowledge.events import builtin_l4d2, misnames
from spcopilot.diagnostics.knowledge.netprops import l4d2_netprops
from spcopilot.training.eval.battery import load_battery
from spcopilot.training.eval.probes import load_probes

from .conftest import BATTERY, PROBES, REFERENCE, Run, battery_prompt, fenced, read_json, write_jsonl

CATEGORIES = {"events", "timers", "props", "commands", "sql", "menus", "sdkhooks"}


def test_the_battery_has_at_least_30_prompts_across_the_categories() -> None:
    items = load_battery(BATTERY)
    counts = Counter(item.category for item in items)
    assert len(items) >= 30
    assert set(counts) >= CATEGORIES and all(counts[c] >= 4 for c in CATEGORIES)
    assert all(item.required for item in items)
    pounce = next(item for item in items if item.id == "events-hunter-pounce")
    assert pounce.missing('HookEvent("pounce", OnPounce);') and pounce.forbidden_found('HookEvent("pounce", X);')


def test_the_probes_are_half_real_half_invented_and_agree_with_the_knowledge_base() -> None:
    probes = load_probes(PROBES)
    assert len(probes) >= 40
    real = [p for p in probes if p.exists]
    assert abs(len(real) - (len(probes) - len(real))) <= 2
    events, wrong_events, wrong_functions = builtin_l4d2(), misnames(), nonexistent_functions()
    replacements = {a.replacement for a in wrong_functions.values()}
    netprops = l4d2_netprops()
    for p in probes:
        if p.kind == "event":
            assert (p.name in events) is p.exists, p.name
            assert p.exists or p.name in wrong_events, p.name
        elif p.kind == "function":
            assert (p.name in wrong_functions) is not p.exists, p.name
            assert not p.exists or p.name in replacements, p.name
        else:
            assert p.kind == "netprop"
            assert (p.name in netprops) is p.exists, p.name
    assert {p.kind for p in probes} == {"event", "function", "netprop"}


def test_a_correct_answer_to_every_prompt_passes(cli: Callable[..., Run], tmp_path: Path) -> None:
    items = load_battery(BATTERY)
    assert sorted(f.stem for f in REFERENCE.glob("*.sp")) == sorted(item.id for item in items)
    rows = [{"prompt": battery_prompt(item.prompt), "output": fenced((REFERENCE / f"{item.id}.sp").read_text())}
            for item in items]  # fmt: skip
    replay = write_jsonl(tmp_path / "reference.jsonl", rows)
    result = cli("eval", "run", "--battery", BATTERY, "--replay-file", replay, "--both", "--out", tmp_path / "ref")
    assert result.code == 0, result.err
    report = read_json(tmp_path / "ref" / "report.json")
    failures = {i["id"]: i["modes"] for i in report["items"] if not all(m["passed"] for m in i["modes"].values())}
    assert failures == {}
    for mode in ("raw", "guarded"):
        m = report["metrics"][mode]
        assert (m["pass_rate"], m["wrong_api_avoidance"], m["security_score"]) == (1.0, 1.0, 10.0)
        assert m["fixed_by_guard"] == {}
