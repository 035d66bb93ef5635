"""The hole-filling benchmark without a model: how holes are cut, and an oracle (a replay file that
answers each hole with the text cut out of it) going through the editor's completion path."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from spcopilot.diagnostics.parsing import parse
from spcopilot.server.ai.inline.mode import is_multi_line
from spcopilot.training.eval.held_out import load_plugins
from spcopilot.training.eval.hole_bench import calls_and_events, oracle_records
from spcopilot.training.eval.hole_cutting import KINDS, candidate_holes, choose_holes

from .conftest import HELD_OUT, Run, read_json, write_jsonl

WITCH = HELD_OUT / "witch_warning.sp"


def test_holes_of_each_kind_leave_the_cursor_where_the_editor_asks_for_several_lines() -> None:
    text = WITCH.read_text(encoding="utf-8")
    found = candidate_holes(text)
    assert all(found[kind] for kind in KINDS)
    for kind, holes in found.items():
        for hole in holes:
            document = hole.document(text)
            assert document[: hole.start] + hole.middle(text) + document[hole.start :] == text
            line_start = document.rfind("\n", 0, hole.start) + 1
            assert not document[line_start : hole.start].strip(), (kind, hole)  # only indentation before
            assert document[hole.start] == "\n", (kind, hole)  # nothing after the cursor on its line
            source = document.encode()
            assert is_multi_line(parse(source), source, len(document[: hole.start].encode())), (kind, hole)
    bodies = [h.middle(text) for h in found["body"]]
    assert any(m.startswith("g_cvRadius = CreateConVar(") and m.endswith("EventHookMode_PostNoCopy);") for m in bodies)
    assert 'PrintToChat(client, "Stop startling the witch.");\n        LogMessage(' in "".join(
        h.middle(text) for h in found["block"]
    )
    assert all("\n" not in h.middle(text) for h in found["statement"])  # this file's statements fit a line


def test_chosen_holes_are_fixed_by_the_key_and_never_overlap() -> None:
    text = WITCH.read_text(encoding="utf-8")
    chosen = choose_holes(text, "witch", 5)
    assert chosen == choose_holes(text, "witch", 5)
    assert {h.kind for h in chosen} == set(KINDS)
    for a, b in itertools.pairwise(chosen):
        assert a.end <= b.start
    assert [h.kind for h in choose_holes(text, "witch", 3, ("body",))] == ["body"] * 3


def test_calls_and_events_of_a_span() -> None:
    source = WITCH.read_bytes()
    calls, events = calls_and_events(source, 0, len(source))
    assert {"HookEvent", "GetClientOfUserId", "PrintToChatAll", "GetInt", "GetBool"} <= set(calls)
    assert {"event:witch_harasser_set", "event:witch_killed", "field:userid", "field:oneshot"} <= set(events)


def test_no_hole_is_cut_in_a_function_the_training_data_has(tmp_path: Path) -> None:
    """`data prepare` lists an eval plugin's functions that the train split has (a fork's copy)
    under duplicate_functions: a fill of those would measure memory, not skill."""
    from spcopilot.training.eval.hole_cutting import function_spans

    text = WITCH.read_text(encoding="utf-8")
    every = choose_holes(text, "witch", 50)
    names = ("OnPluginStart", "Event_WitchHarasserSet")
    spans = function_spans(text, names)
    assert len(spans) == 2 and any(a <= h.start < b for h in every for a, b in spans)
    record = {"repo": "corpus/x", "path": "witch_warning.sp", "text": text, "duplicate_functions": list(names)}
    plugins = load_plugins([write_jsonl(tmp_path / "files.jsonl", [record])])
    assert plugins[0].avoid == names
    kept = choose_holes(text, "witch", 50, KINDS, plugins[0].avoid)
    assert kept and all(not (a <= h.start < b) for h in kept for a, b in spans)


def test_an_oracle_passes_every_hole(cli: Callable[..., Run], tmp_path: Path) -> None:
    records = oracle_records(load_plugins([HELD_OUT]), 3, KINDS)
    replay = write_jsonl(tmp_path / "oracle.jsonl", records)
    result = cli("eval", "holes", HELD_OUT, "--replay-file", replay, "--out", tmp_path / "holes")
    assert result.code == 0, result.err
    out = tmp_path / "holes"
    assert {p.name for p in out.iterdir()} == {"report.json", "report.md", "holes.jsonl", "outputs.jsonl"}
    report = read_json(out / "report.json")
    m = report["metrics"]
    assert m["holes"] == 6 and report["run"]["plugins_used"] == 2
    assert (m["pass_rate"], m["filled_rate"], m["parse_rate"], m["lint_clean_rate"], m["exact_rate"]) == (1.0,) * 5
    items = [json.loads(line) for line in (out / "holes.jsonl").read_text(encoding="utf-8").splitlines()]
    # A recall with nothing to recall (no hole names an event) is n/a, not 100 %.
    assert m["call_recall"] == 1.0
    assert m["event_recall"] == (1.0 if any(i["events_expected"] for i in items) else None)
    if m["event_recall"] is None:
        assert "- event recall is n/a: no hole names an event or field" in (out / "report.md").read_text("utf-8")
    assert set(report["by_kind"]) == set(KINDS)
    assert all(i["fill"] == i["middle"] == i["model_output"] for i in items)
    assert "| pass rate | 100.0 % | 100.0 % | 100.0 % | 100.0 % |" in (out / "report.md").read_text(encoding="utf-8")

    # the run's own outputs.jsonl re-scores it (the records are ordered for the replay backend)
    again = cli("eval", "holes", HELD_OUT, "--replay-file", out / "outputs.jsonl", "--out", tmp_path / "again")
    assert again.code == 0 and read_json(tmp_path / "again" / "report.json")["summary"] == report["summary"]


def test_a_wrong_fill_is_scored_as_such(cli: Callable[..., Run], tmp_path: Path) -> None:
    plugins = load_plugins([HELD_OUT / "tank_hp_hud.sp"])
    records = oracle_records(plugins, 3, ("body",))
    assert len(records) == 3
    records[0]["output"] = 'int x = RandomInt(1, 2);\n    HookEvent("pounce", Event_X);'  # the guard fixes both
    records[1]["output"] = "if (x\n"  # does not parse: the inline guard withholds what adds syntax errors
    records[2]["output"] = 'HookEvent("tank_death", Event_X);'  # SPC201 without a safe fix here: withheld
    replay = write_jsonl(tmp_path / "bad.jsonl", records)
    result = cli("eval", "holes", HELD_OUT / "tank_hp_hud.sp", "--kinds", "body", "--replay-file", replay,
                 "--out", tmp_path / "bad")  # fmt: skip
    assert result.code == 0, result.err
    report = read_json(tmp_path / "bad" / "report.json")
    assert report["metrics"]["passed"] == 0 and report["metrics"]["filled_rate"] == 0.3333
    fixed, broken, withheld = ({i["model_output"]: i for i in report["items"]}[r["output"]] for r in records)
    assert fixed["filled"] and fixed["parses"] and fixed["lint_clean"]
    assert fixed["fill"] == 'int x = GetRandomInt(1, 2);\n    HookEvent("lunge_pounce", Event_X);'
    assert fixed["call_recall"] is not None and fixed["call_recall"] < 1.0  # not what the original called
    assert not broken["filled"] and not broken["parses"] and broken["fill"] == ""
    assert not withheld["filled"] and withheld["fill"] == ""


def test_held_out_sources_in_every_form(cli: Callable[..., Run], tmp_path: Path) -> None:
    text = WITCH.read_text(encoding="utf-8")
    prepared = tmp_path / "prepared"
    (prepared / "eval").mkdir(parents=True)
    write_jsonl(prepared / "eval" / "files.jsonl", [{"repo": "someone/witch", "path": "scripting/w.sp",
                                                     "game": "l4d2", "text": text}])  # fmt: skip
    plugins = load_plugins([prepared, HELD_OUT / "tank_hp_hud.sp"])
    assert [p.path for p in plugins] == ["someone/witch/scripting/w.sp", str(HELD_OUT / "tank_hp_hud.sp")]
    assert plugins[0].text == text and plugins[0].file is None
    bad = tmp_path / "files.jsonl"
    bad.write_text('{"path": "a.sp", "text": "x"}\n{"path": "b.sp"}\n', encoding="utf-8")
    result = cli("eval", "holes", bad, "--replay-file", bad, "--out", tmp_path / "o")
    assert result.code == 2 and f"{bad}:2: " in result.err and '"text" must be a string' in result.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--kinds", "statement,line"], "--kinds: line; choose from statement, block, body"),
        (["--per-file", "0"], "--per-file and --fill-tokens must be at least 1"),
    ],
)
def test_holes_usage_errors(cli: Callable[..., Run], tmp_path: Path, argv: list[str], message: str) -> None:
    replay = write_jsonl(tmp_path / "r.jsonl", [{"output": "x"}])
    result = cli("eval", "holes", HELD_OUT, "--replay-file", replay, "--out", tmp_path / "o", *argv)
    assert result.code == 2 and message in result.err and not (tmp_path / "o").exists()


def test_sources_without_plugins_or_holes(cli: Callable[..., Run], tmp_path: Path) -> None:
    replay = write_jsonl(tmp_path / "r.jsonl", [{"output": "x"}])
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli("eval", "holes", empty, "--replay-file", replay, "--out", tmp_path / "o")
    assert result.code == 2 and "no held-out plugins" in result.err
    broken = tmp_path / "broken.sp"
    broken.write_text("public void OnPluginStart( {\n", encoding="utf-8")
    result = cli("eval", "holes", broken, "--replay-file", replay, "--out", tmp_path / "o")
    assert result.code == 2 and "does not parse" in result.err


def test_the_eval_split_of_data_prepare_is_a_source(cli: Callable[..., Run], prepared: Path, tmp_path: Path) -> None:
    """`spcopilot data prepare` writes eval/files.jsonl; its held-out plugins are the benchmark's input."""
    plugins = load_plugins([prepared])
    held_out = [json.loads(line) for line in (prepared / "eval" / "files.jsonl").read_text().splitlines()]
    assert [p.path for p in plugins] == [f"{r['repo']}/{r['path']}" for r in held_out] and plugins
    replay = write_jsonl(tmp_path / "oracle.jsonl", oracle_records(plugins, 2, KINDS))
    result = cli("eval", "holes", prepared, "--per-file", "2", "--replay-file", replay, "--out", tmp_path / "split")
    assert result.code == 0, result.err
    report = read_json(tmp_path / "split" / "report.json")
    assert report["run"]["plugins"] == len(held_out) and report["metrics"]["holes"] > 0
    assert report["metrics"]["pass_rate"] == 1.0  # sanitised files: the original text passes its own holes
