"""`spcopilot eval run` and `eval compare` on recorded outputs (the replay backend): what the
guard changes, what the scores are for answers whose flaws we know, probes, re-scoring a run
from its own outputs.jsonl."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from . import answers
from .conftest import PROMPTS, Run, battery_prompt, fenced, read_json, write_jsonl

GOOD = {"events-pounce": answers.POUNCE_GOOD, "props-speed": answers.SPEED_GOOD,
        "sql-names": answers.SQL_GOOD, "api-random": answers.RANDOM_GOOD}  # fmt: skip
FLAWED = {"events-pounce": answers.POUNCE_FLAWED, "props-speed": answers.SPEED_FLAWED,
          "sql-names": answers.SQL_FLAWED, "api-random": answers.RANDOM_FLAWED}  # fmt: skip
REPAIR_PROMPT = "The SourcePawn checker reports"  # in every repair round's user message


def replay_of(tmp_path: Path, name: str, outputs: dict[str, str], repair: str | None = None) -> Path:
    rows = [{"prompt": battery_prompt(PROMPTS[item]), "output": fenced(code)} for item, code in outputs.items()]
    if repair is not None:
        rows.append({"contains": REPAIR_PROMPT, "output": fenced(repair)})
    return write_jsonl(tmp_path / name, rows)


def run_battery(cli: Callable[..., Run], battery: Path, replay: Path, out: Path, *extra: object) -> dict:
    result = cli("eval", "run", "--battery", battery, "--replay-file", replay, "--out", out, *extra)
    assert result.code == 0, result.err
    assert {p.name for p in out.iterdir()} == {"report.json", "report.md", "outputs.jsonl"}
    return read_json(out / "report.json")


def items_by_id(report: dict) -> dict[str, dict]:
    return {item["id"]: item for item in report["items"]}


def test_the_guard_raises_the_pass_rate_of_flawed_answers(
    cli: Callable[..., Run], small_battery: Path, tmp_path: Path
) -> None:
    replay = replay_of(tmp_path, "flawed.jsonl", FLAWED)
    report = run_battery(cli, small_battery, replay, tmp_path / "flawed", "--both")
    raw, guarded = report["metrics"]["raw"], report["metrics"]["guarded"]
    items = items_by_id(report)

    # HookEvent("pounce") passes only with the guard (SPC201's safe fix writes "lunge_pounce")
    pounce = items["events-pounce"]["modes"]
    assert not pounce["raw"]["passed"] and pounce["raw"]["forbidden"] == ['"pounce"']
    assert pounce["raw"]["errors"] == ["SPC201"] and pounce["raw"]["wrong_api"] == ["SPC201"]
    assert pounce["guarded"]["passed"] and pounce["guarded"]["fixed"] == ["SPC201"]
    assert 'HookEvent("lunge_pounce"' in items["events-pounce"]["guarded_code"]
    # RandomInt: renamed by the guard
    assert items["api-random"]["modes"]["guarded"]["passed"] and not items["api-random"]["modes"]["raw"]["passed"]
    # "m_flSpeed" on a player: a warning whose fix is unsafe; generated code gets unsafe fixes too
    speed = items["props-speed"]["modes"]
    assert not speed["raw"]["passed"] and speed["raw"]["wrong_api"] == ["SPC301"]
    assert speed["guarded"]["passed"] and speed["guarded"]["fixed"] == ["SPC301"]
    # unescaped SQL: an error no safe fix repairs; the replay file has no repair answer
    sql = items["sql-names"]
    assert sql["modes"]["raw"]["security"] == ["SPC501"] and not sql["modes"]["guarded"]["passed"]
    assert "no recorded output" in sql["repair_error"]

    assert (raw["passed"], guarded["passed"]) == (0, 3)
    assert (raw["pass_rate"], guarded["pass_rate"]) == (0.0, 0.75)
    assert raw["wrong_api_avoidance"] == 0.25  # only the SQL answer names no wrong API
    assert guarded["wrong_api_avoidance"] == 1.0
    assert raw["security_score"] == guarded["security_score"] == 7.5  # 10 × (1 − 1/4)
    assert raw["wrong_api_findings"] == {"SPC101": 1, "SPC201": 1, "SPC301": 1}
    assert guarded["fixed_by_guard"] == {"SPC101": 1, "SPC201": 1, "SPC301": 1}
    assert report["categories"]["events"]["guarded"]["pass_rate"] == 1.0
    assert report["categories"]["events"]["raw"]["pass_rate"] == 0.0
    assert report["summary"]["guarded: pass rate"] == 0.75

    markdown = (tmp_path / "flawed" / "report.md").read_text(encoding="utf-8")
    assert "| pass rate | 0.0 % | 75.0 % |" in markdown
    assert "| events | 1 | 100.0 % | 0.0 % | 0.0 % | 10.00 | 100.0 % | 100.0 % | 100.0 % | 10.00 |" in markdown
    assert markdown.index("| parses |") < markdown.index("| pass rate |")  # parse rate first
    assert '- `props-speed`: missing `"m_flLaggedMovementValue"`; has `"m_flSpeed"`' in markdown
    assert "**wrong-API avoidance**" in markdown and "SPC101, SPC102" in markdown  # definitions and codes


def test_a_figure_with_nothing_to_measure_is_na_and_says_why(
    cli: Callable[..., Run], small_battery: Path, tmp_path: Path
) -> None:
    """No answer parses: there is no code to find a wrong API or a security problem in, so the two
    figures are n/a (not 100 % and 10/10), and the report says why."""
    prose = {item: "I cannot write this plugin, sorry." for item in GOOD}
    rows = [{"prompt": battery_prompt(PROMPTS[item]), "output": text} for item, text in prose.items()]
    report = run_battery(cli, small_battery, write_jsonl(tmp_path / "prose.jsonl", rows), tmp_path / "na", "--both")
    for mode in ("raw", "guarded"):
        m = report["metrics"][mode]
        assert (m["parse_rate"], m["judged"], m["pass_rate"]) == (0.0, 0, 0.0)
        assert m["wrong_api_avoidance"] is None and m["security_score"] is None
        assert "no answer has code that parses" in m["not_applicable"]["wrong_api_avoidance"]
        assert report["summary"][f"{mode}: wrong-API avoidance"] is None
    markdown = (tmp_path / "na" / "report.md").read_text(encoding="utf-8")
    assert "| wrong-API avoidance | n/a | n/a |" in markdown and "| security score (0–10) | n/a | n/a |" in markdown
    assert "- raw: wrong-API avoidance is n/a: no answer has code that parses (4 answered" in markdown
    assert "100.0 %" not in markdown.split("## Per category")[0].split("| pass rate |")[1].split("\n")[0]


def test_run_help_states_the_temperature_runs_use(capsys) -> None:  # type: ignore[no-untyped-def]
    import pytest
    from spcopilot.training.eval import EVAL_TEMPERATURE

    from spcopilot.cli import main

    for command in ("run", "holes"):
        with pytest.raises(SystemExit) as exit_:
            main(["eval", command, "--help"])
        assert exit_.value.code == 0
        text = " ".join(capsys.readouterr().out.split())
        assert f"--temperature TEMPERATURE sampling temperature (default {EVAL_TEMPERATURE:g}:" in text
        assert "0.2" not in text


def test_a_repair_round_answers_what_the_engine_cannot_fix(
    cli: Callable[..., Run], small_battery: Path, tmp_path: Path
) -> None:
    replay = replay_of(tmp_path, "flawed.jsonl", FLAWED, repair=answers.SQL_GOOD)
    report = run_battery(cli, small_battery, replay, tmp_path / "repaired")
    assert report["modes"] == ["guarded"]  # the default
    sql = items_by_id(report)["sql-names"]["modes"]["guarded"]
    assert sql["passed"] and sql["repaired_by_model"] and sql["security"] == []
    assert report["metrics"]["guarded"]["passed"] == 4 and report["metrics"]["guarded"]["security_score"] == 10.0
    # only the SQL answer had an error left for the model: one repair call was recorded
    calls = [r["eval"]["kind"] for r in _jsonl(tmp_path / "repaired" / "outputs.jsonl")]
    assert calls.count("repair") == 1 and calls.count("battery") == 4

    no_repair = run_battery(cli, small_battery, replay, tmp_path / "no-repair", "--no-repair")
    assert no_repair["metrics"]["guarded"]["passed"] == 3 and no_repair["run"]["repair"] is False


def test_no_guard_scores_only_the_answers_as_written(
    cli: Callable[..., Run], small_battery: Path, tmp_path: Path
) -> None:
    report = run_battery(cli, small_battery, replay_of(tmp_path, "good.jsonl", GOOD), tmp_path / "raw", "--no-guard")
    assert report["modes"] == ["raw"] and set(report["metrics"]) == {"raw"}
    assert report["metrics"]["raw"]["passed"] == 4 and report["metrics"]["raw"]["security_score"] == 10.0
    assert all("guarded_code" not in item for item in report["items"])


def test_outputs_jsonl_replays_the_run(cli: Callable[..., Run], small_battery: Path, tmp_path: Path) -> None:
    first = run_battery(cli, small_battery, replay_of(tmp_path, "f.jsonl", FLAWED, answers.SQL_GOOD), tmp_path / "a",
                        "--both")  # fmt: skip
    again = run_battery(cli, small_battery, tmp_path / "a" / "outputs.jsonl", tmp_path / "b", "--both")
    assert again["summary"] == first["summary"]
    assert [i["modes"] for i in again["items"]] == [i["modes"] for i in first["items"]]
    assert again["run"]["backend"] == "replay" and again["run"]["input_sha256"] == first["run"]["input_sha256"]


def test_probes_score_recorded_yes_no_answers(cli: Callable[..., Run], small_battery: Path, tmp_path: Path) -> None:
    probes = write_jsonl(
        tmp_path / "probes.jsonl",
        [
            {"name": "lunge_pounce", "kind": "event", "exists": True},
            {"name": "GetRandomFloat", "kind": "function", "exists": True},
            {"name": "pounce", "kind": "event", "exists": False},
            {"name": "RandomFloat", "kind": "function", "exists": False},
            {"name": "m_iTempHealth", "kind": "netprop", "exists": False, "prompt": "Is m_iTempHealth real? yes/no"},
        ],
    )
    from spcopilot.training.eval.probes import QUESTIONS

    def question(kind: str, name: str) -> str:
        return QUESTIONS[kind].format(name=name)

    rows = [{"prompt": battery_prompt(p), "output": fenced(GOOD[i])} for i, p in PROMPTS.items()]
    rows += [
        {"prompt": question("event", "lunge_pounce"), "output": "Yes. It fires when a hunter pounces."},
        {"prompt": question("function", "GetRandomFloat"), "output": "No, that function does not exist."},
        {"prompt": question("event", "pounce"), "output": "no"},
        {"prompt": question("function", "RandomFloat"), "output": "TRUE"},
        {"prompt": "Is m_iTempHealth real? yes/no", "output": "I am not sure about that property."},
    ]
    report = run_battery(
        cli, small_battery, write_jsonl(tmp_path / "r.jsonl", rows), tmp_path / "p", "--probes", probes
    )
    p = report["probes"]
    assert (p["probes"], p["correct"], p["accuracy"]) == (5, 2, 0.4)
    assert p["over_rejections"] == 1 and p["over_rejected"] == ["GetRandomFloat"]
    assert p["real"] == {"probes": 2, "answered_yes": 1, "accuracy": 0.5}
    assert p["invented"] == {"probes": 3, "answered_no": 1, "accuracy": 0.3333, "accepted": 1}
    assert p["unclear"] == 1
    answers_given = {r["name"]: r["answer"] for r in report["probe_results"]}
    assert answers_given == {"lunge_pounce": "yes", "GetRandomFloat": "no", "pounce": "no", "RandomFloat": "yes",
                             "m_iTempHealth": "unclear"}  # fmt: skip
    markdown = (tmp_path / "p" / "report.md").read_text(encoding="utf-8")
    assert "| over-rejections (real answered no) | 1 | GetRandomFloat |" in markdown
    assert report["summary"]["probes: over-rejections"] == 1


def test_compare_puts_two_runs_side_by_side(cli: Callable[..., Run], small_battery: Path, tmp_path: Path) -> None:
    run_battery(cli, small_battery, replay_of(tmp_path, "flawed.jsonl", FLAWED), tmp_path / "flawed", "--both")
    run_battery(cli, small_battery, replay_of(tmp_path, "good.jsonl", GOOD), tmp_path / "good", "--both")
    result = cli("eval", "compare", tmp_path / "flawed", tmp_path / "good" / "report.json")
    assert result.code == 0, result.err
    table = result.out
    flawed, good = tmp_path / "flawed", tmp_path / "good" / "report.json"
    assert f"| metric | {flawed} | {good} | {good} − {flawed} |" in table
    assert "| raw: pass rate | 0.0 % | 100.0 % | +100.0 pp ▲ |" in table
    assert "| guarded: security score (0-10) | 7.50 | 10.00 | +2.50 ▲ |" in table
    assert "| events (guarded): pass rate | 100.0 % | 100.0 % | = |" in table
    changed = "api-random (raw), events-pounce (raw), props-speed (raw), sql-names (guarded), sql-names (raw)"
    assert f"- passing in {good} only: {changed}\n" in table
    assert f"- passing in {flawed} only: none" in table
    assert "different inputs" not in table

    assert "only the probes differ" not in table.lower()

    written = cli("eval", "compare", flawed, good, "-o", tmp_path / "diff.md")
    assert written.code == 0 and (tmp_path / "diff.md").read_text(encoding="utf-8").strip() == table.strip()


def _jsonl(path: Path) -> list[dict]:
    import json

    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_compare_tells_other_inputs_from_other_probes(
    cli: Callable[..., Run], small_battery: Path, tmp_path: Path
) -> None:
    rows = [{"prompt": battery_prompt(p), "output": fenced(GOOD[i])} for i, p in PROMPTS.items()]
    rows.append({"contains": "", "output": "yes"})  # every probe answered yes
    replay = write_jsonl(tmp_path / "r.jsonl", rows)
    first = write_jsonl(tmp_path / "p1.jsonl", [{"name": "lunge_pounce", "kind": "event", "exists": True}])
    second = write_jsonl(tmp_path / "p2.jsonl", [{"name": "pounce", "kind": "event", "exists": False}])
    run_battery(cli, small_battery, replay, tmp_path / "a", "--probes", first)
    run_battery(cli, small_battery, replay, tmp_path / "b", "--probes", second)
    table = cli("eval", "compare", tmp_path / "a", tmp_path / "b").out
    assert "**Only the probes differ**" in table and "different inputs" not in table
    assert "- passing in" in table  # the battery's items are still compared one by one

    other = small_battery.parent / "other.jsonl"
    other.write_text(small_battery.read_text(encoding="utf-8").replace("\n", "\n", 1) + "\n", encoding="utf-8")
    run_battery(cli, other, replay, tmp_path / "c", "--probes", first)
    table = cli("eval", "compare", tmp_path / "a", tmp_path / "c").out
    assert "different inputs" in table and "Only the probes differ" not in table


def test_a_run_says_what_it_is_doing_when_not_on_a_terminal(
    cli: Callable[..., Run], small_battery: Path, tmp_path: Path
) -> None:
    replay = replay_of(tmp_path, "good.jsonl", GOOD)
    result = cli("eval", "run", "--battery", small_battery, "--replay-file", replay, "--out", tmp_path / "r")
    assert result.code == 0, result.err
    assert "eval: 4 battery prompts, guarded…" in result.err
    assert "eval: 4 battery prompts, guarded: done in " in result.err
