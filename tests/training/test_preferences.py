"""Rule-derived mutations and `spcopilot data dpo`: rejection pairs the engine verifies, as many
acceptance pairs about real names, and the held-out probe."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from spcopilot.diagnostics.engine import lint
from spcopilot.diagnostics.knowledge.apis import nonexistent_functions
from spcopilot.diagnostics.knowledge.events import builtin_l4d2
from spcopilot.training.audit import audit, errors_in
from spcopilot.training.mutations import MUTATORS, Mutation, verified_mutations, verify

from spcopilot.cli import main
from tests.training.conftest import read_jsonl

pytest.importorskip("datasets", reason="data prepare needs the train extra (datasets)")


def clean_corpus_files(corpus: Path) -> list[str]:
    names = [
        "l4d2-tank-tools/scripting/tank_hud.sp",
        "l4d2-tank-tools/scripting/tank_rock_counter.sp",
        "l4d2-survivor-utils/scripting/heal_reward.sp",
        "l4d2-infected-stats/pounce_announce.sp",
        "l4d2-infected-stats/charger_stats.sp",
        "l4d2-infected-stats/jockey_ride_timer.sp",
    ]
    return [(corpus / n).read_text() for n in names]


def test_every_mutator_yields_mutations_the_engine_flags(corpus: Path) -> None:
    made: dict[str, int] = {}
    for text in clean_corpus_files(corpus):
        assert not errors_in(text)
        for vm in verified_mutations(text, per_rule=3):
            rule = vm.mutation.rule
            made[rule] = made.get(rule, 0) + 1
            assert rule in {d.code for d in lint(vm.rejected, "a.sp")}
            assert rule not in {d.code for d in lint(vm.chosen, "a.sp")}
            assert vm.chosen != vm.rejected
            assert vm.message  # the engine's own finding, used as the reason
    # The corpus was written so that every mutator has somewhere to apply: one that never
    # produces a mutation the engine flags is broken (or its rule changed).
    assert set(made) == set(MUTATORS)


def test_a_mutation_the_engine_does_not_flag_is_dropped() -> None:
    code = 'public void OnPluginStart()\n{\n    PrintToServer("%d", GetRandomInt(1, 6));\n}\n'
    harmless = code.replace("GetRandomInt(1, 6)", "GetRandomInt(1, 7)")
    assert verify(code, harmless, "SPC101") is None
    wrong = code.replace("GetRandomInt", "RandomInt")
    assert "RandomInt" in (verify(code, wrong, "SPC101") or "")
    broken = code.replace("GetRandomInt(1, 6)", "RandomInt(1, 6")
    assert verify(code, broken, "SPC101") is None  # a mutation that breaks the syntax is not a lesson


def test_mutations_apply_at_their_offsets() -> None:
    m = Mutation("SPC101", "RandomFloat", "function", 4, 18, "RandomFloat", "x")
    assert m.apply(b"abc GetRandomFloat(1.0)") == b"abc RandomFloat(1.0)"
    assert m.apply(b"GetRandomFloat(1.0)", offset=4) == b"RandomFloat(1.0)"


def test_pairs_balance_and_pass_the_audit(dpo_data: Path) -> None:
    stats = json.loads((dpo_data / "stats.json").read_text())
    for split in ("train", "eval"):
        pairs = read_jsonl(dpo_data / f"{split}.jsonl")
        kinds = [p["meta"]["kind"] for p in pairs]
        assert kinds.count("rejection") == kinds.count("acceptance") > 0
        # per kind: never more "X does not exist" than "Y exists" lessons about events or functions
        table = stats[split]["balance_by_kind"]
        for kind in ("event", "function"):
            counts = Counter(p["meta"]["kind"] for p in pairs if p["meta"]["subject_kind"] == kind)
            assert counts["acceptance"] >= counts["rejection"]
            assert table.get(kind, {"rejection": 0, "acceptance": 0}) == {
                "rejection": counts["rejection"], "acceptance": counts["acceptance"]}  # fmt: skip
    files = [dpo_data / f for f in ("train.jsonl", "eval.jsonl", "probe.jsonl")]
    assert main(["data", "check", *map(str, files)]) == 0
    report = audit(files)
    assert report.shapes["probe"] == len(read_jsonl(files[2])) and report.pairs["probe invented"] > 0


def test_rejections_come_from_many_rules_and_are_flagged(dpo_data: Path) -> None:
    pairs = read_jsonl(dpo_data / "train.jsonl") + read_jsonl(dpo_data / "eval.jsonl")
    rejections = [p for p in pairs if p["meta"]["kind"] == "rejection"]
    rules = {p["meta"]["rule"] for p in rejections}
    assert {"SPC101", "SPC201", "SPC401", "SPC402", "SPC403", "SPC503", "SPC603"} <= rules
    for p in rejections:
        rejected = p["rejected"][0]["content"].split("```sourcepawn\n", 1)[1].split("```", 1)[0]
        assert p["meta"]["rule"] in {d.code for d in lint(rejected, "a.sp")}
        prompt = p["prompt"][-1]["content"]
        assert "write a plugin" not in prompt.lower() and "`" in prompt


def test_no_kind_of_rejection_dominates(dpo_data: Path) -> None:
    """`GetClientTeam -> GetPlayerTeam` applies to nearly every plugin: without a cap per kind (a
    rule, or a rule and the wrong name) it was a quarter of the rejection pairs."""
    from spcopilot.training.preference_data import DpoOptions

    options = DpoOptions(dpo_data.parent)
    stats = json.loads((dpo_data / "stats.json").read_text())
    for split in ("train", "eval"):
        s = stats[split]
        kinds = Counter(p["meta"]["mutation_kind"] for p in read_jsonl(dpo_data / f"{split}.jsonl")
                        if p["meta"]["kind"] == "rejection")  # fmt: skip
        assert dict(kinds) == s["rejection_by_mutation_kind"]
        largest = max(kinds.values())
        assert largest <= max(options.max_kind_share * s["rejection"], options.min_kind_cap)
        assert s["largest_kind"]["pairs"] == largest
    assert "SPC101 GetPlayerTeam" in stats["train"]["rejection_by_mutation_kind"]


def rejection(kind: str, subject_kind: str, n: int) -> dict:
    return {"meta": {"kind": "rejection", "mutation_kind": kind, "subject_kind": subject_kind, "n": n}}


def test_kinds_are_taken_in_turn_up_to_their_cap() -> None:
    from spcopilot.training.preference_data import choose_rejections

    many = [rejection("SPC101 GetPlayerTeam", "function", i) for i in range(60)]
    few = [rejection(f"SPC2{k:02d}", "usage", i) for k in range(30) for i in range(3)]
    kept, wanted = choose_rejections(many + few, {"function": 100, "event": 100}, share=0.1, floor=2)
    by_kind = Counter(p["meta"]["mutation_kind"] for p in kept)
    assert by_kind["SPC101 GetPlayerTeam"] <= 0.1 * len(kept)
    assert all(by_kind[f"SPC2{k:02d}"] == 3 for k in range(30))
    assert sum(wanted.values()) == len(kept) and wanted["function"] >= by_kind["SPC101 GetPlayerTeam"]
    small, _ = choose_rejections(many[:50] + few[:2], {"function": 100, "event": 100}, share=0.1, floor=4)
    assert Counter(p["meta"]["mutation_kind"] for p in small)["SPC101 GetPlayerTeam"] == 4  # a small corpus: the floor


def test_the_cap_holds_after_the_balance_trims() -> None:
    """Few acceptance functions: the function rejections are cut to match; the cap is then a share
    of what is kept, not of what was found."""
    from spcopilot.training.preference_data import choose_rejections

    pairs = [rejection("SPC101 GetPlayerTeam", "function", i) for i in range(200)]
    pairs += [rejection("SPC102 IsPlayerInGame", "function", i) for i in range(200)]
    pairs += [rejection(f"SPC6{k:02d}", "usage", i) for k in range(12) for i in range(20)]
    kept, wanted = choose_rejections(pairs, {"function": 30, "event": 400}, share=0.1, floor=4)
    kinds = Counter(p["meta"]["mutation_kind"] for p in kept)
    assert max(kinds.values()) <= max(0.1 * len(kept), 4)
    groups = Counter(p["meta"]["subject_kind"] for p in kept)
    assert groups["function"] <= 30 and wanted["function"] >= groups["function"]
    assert sum(wanted.values()) == len(kept)


def test_balance_keeps_acceptances_at_least_rejections_per_kind() -> None:
    from spcopilot.training.preference_data import choose_rejections

    pairs = [rejection(f"SPC101 F{i}", "function", i) for i in range(10)]
    pairs += [rejection(f"SPC201 e{i}", "event", i) for i in range(6)]
    pairs += [rejection(f"SPC6{i:02d}", "usage", i) for i in range(20)]
    kept, wanted = choose_rejections(pairs, {"event": 30, "function": 4}, share=1.0, floor=1)
    kinds = Counter(p["meta"]["subject_kind"] for p in kept)
    assert kinds["function"] == 4 and kinds["event"] == 6  # only 4 real functions to teach: 4 wrong ones
    assert wanted["function"] >= kinds["function"] and wanted["event"] >= kinds["event"]
    assert sum(wanted.values()) == len(kept) == 4 + 6 + 20  # the usage lessons' counterparts: the spare events


def test_acceptances_are_about_real_names_and_deny_them_in_prose(dpo_data: Path) -> None:
    catalogue = builtin_l4d2()
    acceptances = [p for p in read_jsonl(dpo_data / "train.jsonl") if p["meta"]["kind"] == "acceptance"]
    assert {p["meta"]["subject_kind"] for p in acceptances} == {"event", "function"}
    for p in acceptances:
        subject = p["meta"]["subject"]
        if p["meta"]["subject_kind"] == "event":
            assert subject in catalogue
        else:
            assert subject not in nonexistent_functions()
        assert subject in p["chosen"][0]["content"].split("```sourcepawn", 1)[1]
        assert "```" not in p["rejected"][0]["content"]


def test_probe_is_held_out_and_answerable(dpo_data: Path) -> None:
    probe = read_jsonl(dpo_data / "probe.jsonl")
    catalogue = builtin_l4d2()
    groups = {(p["kind"], p["exists"]) for p in probe}
    assert groups == {("event", True), ("event", False), ("function", True), ("function", False)}
    for p in probe:
        if p["kind"] == "event":
            assert (p["name"] in catalogue) == p["exists"]
        elif not p["exists"]:
            assert p["name"] in nonexistent_functions()
    held = {p["name"] for p in probe if p["source"].startswith("held out")}
    taught = {p["meta"]["subject"] for split in ("train", "eval") for p in read_jsonl(dpo_data / f"{split}.jsonl")}
    assert held and not held & taught


def test_dpo_needs_a_prepared_folder(tmp_path: Path, capsys) -> None:
    assert main(["data", "dpo", str(tmp_path)]) == 2
    assert "run `spcopilot data prepare" in capsys.readouterr().err


def test_the_evaluation_reads_the_probe_and_the_held_out_plugins(dpo_data: Path, prepared: Path) -> None:
    probes = pytest.importorskip("spcopilot.training.eval.probes", reason="the evaluation is not in this tree")
    held_out = pytest.importorskip("spcopilot.training.eval.held_out", reason="the evaluation is not in this tree")
    loaded = probes.load_probes(dpo_data / "probe.jsonl")
    assert [(p.name, p.exists) for p in loaded] == [
        (r["name"], r["exists"]) for r in read_jsonl(dpo_data / "probe.jsonl")
    ]
    plugins = held_out.load_plugins([prepared])
    assert {p.path for p in plugins} == {
        f"{r['repo']}/{r['path']}" for r in read_jsonl(prepared / "eval" / "files.jsonl")
    }
