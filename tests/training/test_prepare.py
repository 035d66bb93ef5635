"""`spcopilot data prepare` on the fake corpus: every filter step, the split, the outputs, and
the failures (empty corpus, existing output, disk full, a failing audit, Ctrl-C) that must leave
nothing that looks complete, and the resumption of an interrupted run."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
from spcopilot.diagnostics.engine import lint
from spcopilot.diagnostics.model import Severity
from spcopilot.server.ai.prompts.fim import render_fim
from spcopilot.training import staging

from spcopilot.cli import main
from tests.training.conftest import read_jsonl

pytest.importorskip("datasets", reason="data prepare needs the train extra (datasets)")


def steps(data: Path) -> dict[str, dict]:
    stats = json.loads((data / "stats.json").read_text())
    return {s["name"]: s for s in stats["steps"]}


def dropped(data: Path) -> dict[str, tuple[str, str]]:
    return {Path(d["path"]).name: (d["step"], d["reason"]) for d in read_jsonl(data / "dropped.jsonl")}


def test_each_bad_file_is_dropped_by_the_right_step(prepared: Path) -> None:
    assert dropped(prepared) == {
        "survivor_utils.inc": ("quality", "docs_only"),
        "broken_syntax.sp": ("quality", "parse_errors"),
        "garbled.sp": ("quality", "garbled"),
        "offsets_generated.sp": ("quality", "generated"),
        "tiny.sp": ("quality", "too_small"),
        "tank_hud.sp": ("dedup", "exact"),  # the mirror's copy; the original is kept
        "rock_counter_fork.sp": ("dedup", "near"),
        "csgo_bomb_timer.sp": ("game", "csgo"),
        "name_logger.sp": ("sanitise", "errors left: SPC501"),  # SQL injection: no safe fix
    }
    by_step = steps(prepared)
    assert by_step["quality"]["input"] == 19
    assert by_step["dedup"]["dropped"] == {"exact": 1, "near": 1}
    assert by_step["game"]["details"]["kept"] == {"l4d2": 9, "generic": 2}
    # witch_alert.sp hooks "witch_death": the engine's safe fix renames it and the file is kept.
    assert by_step["sanitise"]["details"]["files_fixed_by_rule"] == {"SPC201": 1}
    assert by_step["sanitise"]["output"] == 10


def test_the_fixed_file_is_what_the_model_learns(prepared: Path) -> None:
    files = read_jsonl(prepared / "train" / "files.jsonl") + read_jsonl(prepared / "eval" / "files.jsonl")
    witch = next(f for f in files if f["path"].endswith("witch_alert.sp"))
    assert 'HookEvent("witch_killed", Event_WitchKilled);' in witch["text"]
    assert '"witch_death"' not in witch["text"]


def test_the_split_is_stratified_by_repository_with_the_fraction_asked(prepared: Path) -> None:
    stats = json.loads((prepared / "stats.json").read_text())
    split = stats["split"]
    assert (split["files"], split["eval_files"], split["share"], split["warning"]) == (10, 2, 0.2, "")
    # 4, 3, 2 and 1 files: 0.8, 0.6, 0.4 and 0.2 files owed; the two largest remainders get one each
    by_repo = {repo.split("/")[-1]: v["eval"] for repo, v in split["by_repository"].items()}
    assert by_repo == {"l4d2-infected-stats": 1, "l4d2-survivor-utils": 1, "l4d2-tank-tools": 0, "misc-plugins": 0}
    keys = {}
    for name in ("train", "eval"):
        keys[name] = {(r["repo"], r["path"]) for r in read_jsonl(prepared / name / "files.jsonl")}
        records = read_jsonl(prepared / name / "chat.jsonl")
        records += read_jsonl(prepared / name / ("fim.jsonl" if name == "train" else "holes.jsonl"))
        assert {(r.get("repo") or r["meta"]["repo"], r.get("path") or r["meta"]["path"]) for r in records} <= keys[name]
    assert len(keys["eval"]) == 2 and not keys["train"] & keys["eval"]


def test_chat_examples_are_concrete_and_clean(prepared: Path) -> None:
    chat = read_jsonl(prepared / "train" / "chat.jsonl")
    kinds = {r["meta"]["kind"] for r in chat}
    assert kinds == {"plugin", "function", "contrastive"}
    for record in chat:
        system, user, assistant = record["messages"]
        assert [system["role"], user["role"], assistant["role"]] == ["system", "user", "assistant"]
        assert "write a plugin" not in user["content"].lower()
        assert "`" in user["content"] or '"' in user["content"]  # names something concrete
        code = assistant["content"].split("```sourcepawn\n", 1)[1].split("```", 1)[0]
        assert not [d for d in lint(code, "a.sp") if d.severity == Severity.ERROR]
    every = chat + read_jsonl(prepared / "eval" / "chat.jsonl")
    plugin = next(r for r in every if r["meta"]["path"].endswith("heal_reward.sp") and r["meta"]["kind"] == "plugin")
    request = plugin["messages"][1]["content"]
    for fact in (
        '"Heal Reward"',
        "rewards survivors who heal their teammates",
        "`heal_success`",
        "`sm_healreward_min`",
    ):
        assert fact in request
    assert "GetRandomInt" not in request  # what the answer calls is not the user's to know
    # asked as `spcopilot generate` and the battery ask: the fine-tune learns the format it is served
    from spcopilot.server.ai.prompts.tasks import plugin_messages

    instruction = request.split("\n\n", 1)[0]
    assert request == plugin_messages(instruction)[1].content != instruction


def test_requests_never_name_what_the_answer_calls(prepared: Path) -> None:
    """A request says what the plugin does (myinfo, commands, ConVars, events), never the helpers
    and natives the answer happens to call: a user cannot know them."""
    from spcopilot.training.audit import names_in

    checked = 0
    for split in ("train", "eval"):
        for record in read_jsonl(prepared / split / "chat.jsonl"):
            if record["meta"]["kind"] == "contrastive":
                continue  # the user shows code there
            request, answer = record["messages"][1]["content"], record["messages"][2]["content"]
            code = answer.split("```sourcepawn\n", 1)[1].split("```", 1)[0]
            called = names_in(code)[0] - {"HookEvent", "RegConsoleCmd", "RegAdminCmd", "CreateConVar"}
            named = {n for n in called if f"`{n}`" in request}
            assert not named, (record["meta"], named)
            checked += 1
    assert checked > 10


def test_old_syntax_is_converted_before_the_model_sees_it(prepared: Path, corpus: Path, tmp_path: Path) -> None:
    from spcopilot.diagnostics.parsing import parse
    from spcopilot.training.modern_syntax import old_constructs

    assert steps(prepared)["sanitise"]["details"]["old_syntax"] == {"policy": "convert", "converted": 1}
    files = read_jsonl(prepared / "train" / "files.jsonl") + read_jsonl(prepared / "eval" / "files.jsonl")
    smoker = next(f for f in files if f["path"].endswith("smoker_pull_notify.sp"))
    assert "public Plugin myinfo" in smoker["text"] and "#pragma newdecls required" in smoker["text"]
    for f in files:
        assert old_constructs(parse(f["text"].encode()).root_node) == [], f["path"]
    for split in ("train", "eval"):
        for record in read_jsonl(prepared / split / "chat.jsonl"):
            assert "Plugin:myinfo" not in record["messages"][2]["content"]
            assert "public OnPluginStart()" not in record["messages"][2]["content"]

    out = tmp_path / "dropped"
    assert main(["data", "prepare", str(corpus), "--out", str(out), "--old-syntax", "drop", "--no-progress"]) == 0
    assert dropped(out)["smoker_pull_notify.sp"] == ("sanitise", "old syntax")


def test_contrastive_examples_show_the_wrong_code_only_to_the_user(prepared: Path) -> None:
    contrastive = [r for r in read_jsonl(prepared / "train" / "chat.jsonl") if r["meta"]["kind"] == "contrastive"]
    stats = steps(prepared)["examples"]["details"]["train_contrastive"]
    assert len(contrastive) == stats["made"] == stats["wanted"] > 0
    assert 0.1 <= stats["fraction"] <= 0.2
    for record in contrastive:
        rule = record["meta"]["rule"]
        wrong = record["messages"][1]["content"].split("```sourcepawn\n", 1)[1].split("```", 1)[0]
        right = record["messages"][2]["content"].split("```sourcepawn\n", 1)[1].split("```", 1)[0]
        assert rule in {d.code for d in lint(wrong, "a.sp")}
        assert rule not in {d.code for d in lint(right, "a.sp")}
        answer = record["messages"][2]["content"]
        # The explanation is the rule's message for this very finding, not a canned paragraph.
        messages = {d.message for d in lint(wrong, "a.sp") if d.code == rule}
        assert any(answer.startswith(m) for m in messages), (answer[:200], messages)
        assert rule in answer
        if '"pounce"' not in wrong:
            assert '"pounce"' not in answer


def test_fim_holes_rebuild_their_file_and_render_in_the_serving_format(prepared: Path) -> None:
    files = {(f["repo"], f["path"]): f["text"] for f in read_jsonl(prepared / "eval" / "files.jsonl")}
    holes = read_jsonl(prepared / "eval" / "holes.jsonl")
    assert {h["kind"] for h in holes} == {"body", "statement", "line"}
    for hole in holes:
        assert hole["prefix"] + hole["middle"] + hole["suffix"] in files[hole["repo"], hole["path"]]
        assert hole["middle"].strip()
        if hole["kind"] == "line":
            assert "\n" not in hole["middle"]
    prompt = render_fim("qwen2.5-coder", holes[0]["prefix"], holes[0]["suffix"])
    assert prompt == f"<|fim_prefix|>{holes[0]['prefix']}<|fim_suffix|>{holes[0]['suffix']}<|fim_middle|>"


def test_outputs_are_audited_and_hashed(prepared: Path) -> None:
    stats = json.loads((prepared / "stats.json").read_text())
    audit = json.loads((prepared / "audit.json").read_text())
    assert audit["ok"] and audit["code_blocks"] > 0
    assert audit["files"] == [name for name in stats["outputs"]]  # named inside DIR: no .partial-PID path
    assert ".partial-" not in (prepared / "audit.json").read_text() + (prepared / "stats.json").read_text()
    for name, info in stats["outputs"].items():
        assert len(read_jsonl(prepared / name)) == info["records"]
    assert main(["data", "check", str(prepared / "train" / "chat.jsonl"), str(prepared / "eval" / "holes.jsonl")]) == 0


def test_cli_prepare_on_two_processes_writes_the_same_data(
    corpus: Path, prepared: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "data"
    args = ["data", "prepare", str(corpus), "--out", str(out), "--eval-fraction", "0.2", "-j", "2"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "quality" in captured.out and "dedup" in captured.out and "sanitise" in captured.out
    # Not a terminal: a line when each step starts and when it ends, no bar.
    for step in ("read", "sanitise", "examples"):
        assert f"prepare: {step}: " in captured.err and "on 2 processes" in captured.err
        assert f"prepare: {step}: done in " in captured.err
    for name in ("train/chat.jsonl", "eval/holes.jsonl", "train/files.jsonl", "eval/chat.jsonl", "train/fim.jsonl"):
        assert (out / name).read_bytes() == (prepared / name).read_bytes()  # the same, whatever the processes
    assert not (tmp_path / "data.work").exists()
    assert main(args) == 2  # the folder exists now
    assert "already exists" in capsys.readouterr().err


def test_empty_corpus_is_a_clear_error(tmp_path: Path, capsys) -> None:
    (tmp_path / "empty" / "repo").mkdir(parents=True)
    (tmp_path / "empty" / "repo" / "README.md").write_text("no plugins here")
    assert main(["data", "prepare", str(tmp_path / "empty"), "--out", str(tmp_path / "out"), "--no-progress"]) == 2
    assert "no .sp or .inc files" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_corpus_with_only_bad_files_is_a_clear_error(corpus: Path, tmp_path: Path, capsys) -> None:
    source = tmp_path / "bad" / "repo"
    source.mkdir(parents=True)
    for name in ("tiny.sp", "broken_syntax.sp", "csgo_bomb_timer.sp"):
        (source / name).write_bytes((corpus / "misc-plugins" / name).read_bytes())
    assert main(["data", "prepare", str(tmp_path / "bad"), "--out", str(tmp_path / "out"), "--no-progress"]) == 2
    assert "no file survived the filters" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_disk_full_while_writing_leaves_no_output(corpus: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    real = staging.write_lines
    calls = []

    def fills_up(path: Path, lines) -> None:
        calls.append(path.name)
        if len(calls) == 3:
            real(path, list(lines)[:1])  # a partly written file, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, lines)

    monkeypatch.setattr(staging, "write_lines", fills_up)
    out = tmp_path / "data"
    assert main(["data", "prepare", str(corpus), "--out", str(out), "--no-progress"]) == 2
    assert "no space left" in capsys.readouterr().err
    assert len(calls) == 3
    # Neither DIR nor DIR.partial-*; the per-file results wait in DIR.work for the next run.
    assert [p.name for p in tmp_path.iterdir()] == ["data.work"]
    monkeypatch.setattr(staging, "write_lines", real)
    assert main(["data", "prepare", str(corpus), "--out", str(out), "--no-progress"]) == 0
    stages = {s["name"]: s for s in json.loads((out / "stats.json").read_text())["stages"]}
    assert stages["examples"]["resumed"] == stages["examples"]["items"] > 0
    assert [p.name for p in tmp_path.iterdir()] == ["data"]


def test_a_failing_audit_stops_prepare_with_a_report(corpus: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    from spcopilot.training import examples

    real = examples.file_examples

    def poisoned(*args, **kwargs):
        found = real(*args, **kwargs)
        if found.chat:  # an answer whose code calls a function SourceMod does not have
            found.chat[0]["messages"][2]["content"] = "```sourcepawn\nfloat f = RandomFloat(0.0, 1.0);\n```"
        return found

    monkeypatch.setattr(examples, "file_examples", poisoned)
    out = tmp_path / "data"
    assert main(["data", "prepare", str(corpus), "--out", str(out), "--no-progress", "--num-proc", "1"]) == 2
    err = capsys.readouterr().err
    assert "audit failed" in err and "SPC101" in err
    assert not out.exists()
    report = json.loads((tmp_path / "data.audit-failed.json").read_text())
    assert report["problems_by_code"]["SPC101"] > 0
    assert not (tmp_path / "data.work").exists()  # what the audit rejected is not resumed


def test_an_interrupted_prepare_resumes_where_it_stopped(
    corpus: Path, prepared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spcopilot.training import prepare as prepare_module
    from spcopilot.training.prepare import PrepareOptions, prepare

    real = prepare_module.examples_work
    calls = []

    def interrupted(row: dict) -> dict:
        calls.append(row["path"])
        if len(calls) == 4:
            raise KeyboardInterrupt  # Ctrl-C while the fourth file's examples are made
        return real(row)

    monkeypatch.setattr(prepare_module, "examples_work", interrupted)
    out = tmp_path / "data"
    options = PrepareOptions([corpus], out, eval_fraction=0.2, progress=False, num_proc=1)
    with pytest.raises(KeyboardInterrupt):
        prepare(options)
    assert not out.exists() and (tmp_path / "data.work" / "examples.jsonl").is_file()
    assert len(read_jsonl(tmp_path / "data.work" / "examples.jsonl")) == 3

    monkeypatch.setattr(prepare_module, "examples_work", real)
    stats = prepare(options)
    stages = {s["name"]: s for s in stats["stages"]}
    assert stages["read"]["resumed"] == stages["read"]["items"] == 19
    assert stages["sanitise"]["resumed"] == stages["sanitise"]["items"]
    assert (stages["examples"]["resumed"], stages["examples"]["items"]) == (3, 10)
    for name in ("train/chat.jsonl", "train/fim.jsonl", "eval/chat.jsonl", "eval/files.jsonl"):
        assert (out / name).read_bytes() == (prepared / name).read_bytes()
    assert not (tmp_path / "data.work").exists()


def test_data_report_prints_the_quality_tables(prepared: Path, dpo_data: Path, capsys) -> None:
    assert main(["data", "report", str(prepared)]) == 0
    text = capsys.readouterr().out
    for heading in (
        "## From corpus to training files",
        "## Examples per kind",
        "## Sizing and truncation",
        "## Split and duplicates",
        "## Preference pairs (data dpo)",
        "## Audit (engine, training profile)",
    ):
        assert heading in text  # fmt: skip
    assert "Stratified by repository: 2 of 10 files in eval = 20.0 % (asked 20 %)." in text
    assert "| sanitise | 10 | 10 |" not in text and "| sanitise | 11 | 10 | error_findings 1 |" in text
    assert "| data prepare | pass |" in text and "| data dpo | pass |" in text
    stats = json.loads((prepared / "stats.json").read_text())
    plugins = stats["steps"][-2]["details"]["by_kind"]["train"].get("plugin", 0)
    assert f"| whole plugin | {plugins} |" in text
    out = prepared.parent / "report.md"
    assert main(["data", "report", str(prepared), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == text


def test_data_report_needs_a_prepared_folder(tmp_path: Path, capsys) -> None:
    assert main(["data", "report", str(tmp_path)]) == 2
    assert "stats.json is missing" in capsys.readouterr().err
