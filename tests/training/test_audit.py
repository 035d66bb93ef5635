"""`spcopilot data check`: the sanitiser's audit on hand-written JSONL files."""

from __future__ import annotations

import json
from pathlib import Path

from spcopilot.training.audit import audit, code_blocks

from spcopilot.cli import main

SYSTEM = {"role": "system", "content": "You are SourcePawn Copilot."}
GOOD = (
    'public void OnPluginStart()\n{\n    float delay = GetRandomFloat(1.0, 2.0);\n    PrintToServer("%f", delay);\n}\n'
)
BAD = GOOD.replace("GetRandomFloat", "RandomFloat")


def chat(answer: str) -> dict:
    return {
        "messages": [
            SYSTEM,
            {"role": "user", "content": "Pick a random delay."},
            {"role": "assistant", "content": answer},
        ]
    }


def write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def fence(code: str, lang: str = "sourcepawn") -> str:
    return f"```{lang}\n{code}```"


def test_code_blocks_are_sourcepawn_fences_only() -> None:
    a, b, shell = fence("int a;\n"), fence("int b;\n", ""), fence("echo hi\n", "bash")
    text = f"Intro\n{a}\nthen\n{b}\n{shell}"
    assert code_blocks(text) == ["int a;\n", "int b;\n"]


def test_a_wrong_api_in_code_fails_and_in_prose_passes(tmp_path: Path, capsys) -> None:
    good = write(tmp_path / "good.jsonl", [chat(f"`RandomFloat` does not exist; use this:\n\n{fence(GOOD)}")])
    bad = write(tmp_path / "bad.jsonl", [chat(fence(GOOD)), chat(f"Here:\n\n{fence(BAD)}")])
    assert main(["data", "check", str(good)]) == 0
    assert main(["data", "check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "bad.jsonl:2: messages[2] block 1, code line 3: SPC101" in out


SPEED = 'public void SpeedUp(int client)\n{\n    SetEntPropFloat(client, Prop_Send, "m_flSpeed", 2.0);\n}\n'


def test_a_seed_wrong_api_fails_the_audit_whatever_its_editor_severity(tmp_path: Path, capsys) -> None:
    """SPC301 is a warning in the editor (m_flSpeed is real on doors); on a player, in a training
    answer, it is the V6 contamination: the training profile makes it an error."""
    from spcopilot.diagnostics.engine import lint
    from spcopilot.diagnostics.model import Severity

    editor = [d for d in lint(SPEED, "a.sp") if d.code == "SPC301"]
    assert editor and editor[0].severity == Severity.WARNING  # the editor's view is unchanged
    bad = write(tmp_path / "bad.jsonl", [chat(f"Set the speed:\n\n{fence(SPEED)}")])
    assert main(["data", "check", str(bad)]) == 1
    assert "SPC301" in capsys.readouterr().out
    fixed = SPEED.replace("m_flSpeed", "m_flLaggedMovementValue")
    prose = 'There is no player `m_flSpeed`: `SetEntPropFloat(client, Prop_Send, "m_flSpeed", 2.0)` does nothing.'
    good = write(tmp_path / "good.jsonl", [chat(f"{prose}\n\n{fence(fixed)}")])
    assert main(["data", "check", str(good)]) == 0


def test_a_wrong_api_is_an_error_even_next_to_an_unknown_include(tmp_path: Path) -> None:
    """The editor lowers SPC101 to a warning when an include it cannot read might define the name;
    training data does not give it that benefit of the doubt."""
    code = "#include <someones_stocks>\n" + BAD
    assert [p.code for p in audit([write(tmp_path / "a.jsonl", [chat(fence(code))])]).problems] == ["SPC101"]


def test_parallel_audit_reports_what_one_process_reports(tmp_path: Path) -> None:
    records = [chat(fence(GOOD if i % 3 else BAD)) for i in range(40)]
    path = write(tmp_path / "a.jsonl", records)
    one = audit([path], jobs=1, records_per_chunk=7)
    two = audit([path], jobs=2, records_per_chunk=7)
    assert one.to_json() == two.to_json()
    assert [p.line for p in two.problems] == list(range(1, 41, 3))


def test_files_are_named_relative_to_the_root(tmp_path: Path) -> None:
    stage = tmp_path / "data.partial-123"
    stage.mkdir()
    report = audit([write(stage / "chat.jsonl", [chat(fence(BAD))])], root=stage)
    assert report.files == ["chat.jsonl"] and report.problems[0].file == "chat.jsonl"


def test_user_messages_are_not_audited(tmp_path: Path) -> None:
    record = chat(fence(GOOD))
    record["messages"][1]["content"] = f"Why does this fail?\n{fence(BAD)}"
    assert audit([write(tmp_path / "a.jsonl", [record])]).ok


def test_fim_and_source_records_are_linted_whole(tmp_path: Path) -> None:
    head, tail = BAD.split("RandomFloat")
    records = [
        {"prefix": head, "middle": "RandomFloat", "suffix": tail},
        {"prefix": head, "middle": "GetRandomFloat", "suffix": tail},
        {"path": "x.sp", "text": BAD},
    ]
    report = audit([write(tmp_path / "a.jsonl", records)])
    assert [(p.line, p.code) for p in report.problems] == [(1, "SPC101"), (3, "SPC101")]
    assert report.shapes == {"fim": 2, "source": 1}


def test_an_invalid_line_is_a_clear_error(tmp_path: Path, capsys) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text(json.dumps(chat(fence(GOOD))) + "\n{not json\n", encoding="utf-8")
    assert main(["data", "check", str(path)]) == 2
    assert f"{path}:2: not a valid JSONL line" in capsys.readouterr().err
    assert main(["data", "check", str(tmp_path / "missing.jsonl")]) == 2


def rejection(chosen: str, rejected: str, rule: str, subject: str, kind: str) -> dict:
    return {
        "prompt": [SYSTEM, {"role": "user", "content": "Pick a random delay."}],
        "chosen": [{"role": "assistant", "content": fence(chosen)}],
        "rejected": [{"role": "assistant", "content": fence(rejected)}],
        "meta": {"kind": "rejection", "rule": rule, "subject": subject, "subject_kind": kind},
    }


def acceptance(subject: str, kind: str, code: str, rejected: str = "It does not exist.") -> dict:
    return {
        "prompt": [SYSTEM, {"role": "user", "content": f"Is {subject} real?"}],
        "chosen": [{"role": "assistant", "content": f"Yes:\n\n{fence(code)}"}],
        "rejected": [{"role": "assistant", "content": rejected}],
        "meta": {"kind": "acceptance", "subject": subject, "subject_kind": kind, "rule": ""},
    }


HOOK = 'public void OnPluginStart()\n{\n    HookEvent("lunge_pounce", Event_Pounce);\n}\n'


def codes(tmp_path: Path, records: list[dict]) -> list[str]:
    return [p.code for p in audit([write(tmp_path / "pairs.jsonl", records)]).problems]


def test_balanced_valid_pairs_pass(tmp_path: Path) -> None:
    pairs = [rejection(GOOD, BAD, "SPC101", "RandomFloat", "function"), acceptance("lunge_pounce", "event", HOOK)]
    assert codes(tmp_path, pairs) == []


def test_pairs_must_balance(tmp_path: Path) -> None:
    assert codes(tmp_path, [rejection(GOOD, BAD, "SPC101", "RandomFloat", "function")]) == ["pair-balance"]


def test_a_rejection_the_engine_does_not_flag_fails(tmp_path: Path) -> None:
    pairs = [rejection(GOOD, GOOD, "SPC101", "RandomFloat", "function"), acceptance("lunge_pounce", "event", HOOK)]
    assert codes(tmp_path, pairs) == ["pair-unflagged"]


def test_a_real_name_taught_as_rejected_fails(tmp_path: Path) -> None:
    # The "rejected" code swaps in a real function: nothing wrong with it, but the pair says it is.
    swapped = GOOD.replace("GetRandomFloat", "GetRandomInt")
    pairs = [
        rejection(GOOD, swapped, "SPC101", "GetRandomInt", "function"),
        acceptance("lunge_pounce", "event", HOOK),
    ]
    found = codes(tmp_path, pairs)
    assert "pair-real-rejected" in found and "pair-unflagged" in found


def test_an_invented_name_taught_as_chosen_fails(tmp_path: Path) -> None:
    invented = HOOK.replace("lunge_pounce", "hunter_leap")  # not an L4D2 event
    pairs = [rejection(GOOD, BAD, "SPC101", "RandomFloat", "function"), acceptance("hunter_leap", "event", invented)]
    found = codes(tmp_path, pairs)
    assert "pair-invented-chosen" in found
    assert "chosen-unknown-event" in found  # the code check, whatever the meta says


def test_an_acceptance_whose_rejected_answer_has_code_fails(tmp_path: Path) -> None:
    pairs = [
        rejection(GOOD, BAD, "SPC101", "RandomFloat", "function"),
        acceptance("lunge_pounce", "event", HOOK, rejected=f"Use this instead:\n{fence(HOOK.replace('lunge_', ''))}"),
    ]
    assert codes(tmp_path, pairs) == ["pair-rejected-code"]


def test_probe_answers_are_checked_and_held_out(tmp_path: Path) -> None:
    probe = [
        {"kind": "event", "name": "lunge_pounce", "exists": True, "source": "held out: catalogue"},
        {"kind": "event", "name": "hunter_leap", "exists": False, "source": "held out: invented"},
        {"kind": "function", "name": "RandomFloat", "exists": False, "source": "knowledge base"},
    ]
    pairs = [
        rejection(GOOD, BAD, "SPC101", "RandomFloat", "function"),
        acceptance("witch_killed", "event", HOOK.replace("lunge_pounce", "witch_killed")),
    ]
    assert audit([write(tmp_path / "p.jsonl", probe), write(tmp_path / "t.jsonl", pairs)]).ok
    wrong = [
        {"kind": "event", "name": "hunter_leap", "exists": True},
        {"kind": "function", "name": "GetClientTeam", "exists": False},
    ]
    assert codes(tmp_path, wrong) == ["probe-answer", "probe-unverifiable"]
    leaking = [*pairs[:1], acceptance("lunge_pounce", "event", HOOK)]
    report = audit([write(tmp_path / "p.jsonl", probe), write(tmp_path / "t.jsonl", leaking)])
    assert [p.code for p in report.problems] == ["probe-leak"]
