"""`spcopilot data feedback`: the editor's accept / partial / dismiss log → FIM records (data
prepare's format) and preference pairs, every chosen text through the engine's audit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from spcopilot.server.ai.inline.feedback import FeedbackLog, Shown
from spcopilot.server.ai.prompts.fim import FAMILIES
from spcopilot.training.audit import audit
from spcopilot.training.errors import DatasetError
from spcopilot.training.feedback import FeedbackOptions, convert
from spcopilot.training.holes import Hole, hole_record, serving_prompt

from spcopilot.cli import main
from tests.training.conftest import read_jsonl

HEAD = (
    "#include <sourcemod>\n\n"
    "public void OnPluginStart()\n{\n"
    '    HookEvent("tank_spawn", Event_TankSpawn);\n'
    "}\n\n"
    "public void Event_TankSpawn(Event event, const char[] name, bool dontBroadcast)\n{\n"
    '    int client = GetClientOfUserId(event.GetInt("userid"));\n'
)
TAIL = "}\n"
PATH = "/home/me/l4d2/scripting/tank_notes.sp"

# Cursors: the prompt windows the server logs.
LINE = (HEAD + "    float delay = ", "\n" + TAIL)
BLOCK = (HEAD + "    if (client > 0)\n    {\n", "    }\n" + TAIL)
STATEMENT = (HEAD + "    ", "\n" + TAIL)
RANDOM = (HEAD + "    float chance = ", "\n" + TAIL)

DELAY = "GetRandomFloat(1.0, 2.0);"
SHOUT = '        PrintToChatAll("Tank spawned: %N", client);\n'
KICK = "        KickClient(client);\n"
TIMER = "CreateTimer(5.0, Timer_Announce, GetClientUserId(client));"
WRONG = "RandomFloat(0.0, 1.0);"  # SPC101: RandomFloat does not exist


def event(kind: str, cursor: tuple[str, str], suggestion: str, accepted: int | None = None, sid: str = "s1") -> dict:
    """A line as FeedbackLog.record writes it."""
    length = len(suggestion) if kind == "accept" else 0 if kind == "dismiss" else accepted
    return {
        "time": 1760000000.0,
        "id": sid,
        "kind": kind,
        "accepted_length": length,
        "model": "qwen2.5-coder-7b",
        "path": PATH,
        "prefix": cursor[0],
        "suffix": cursor[1],
        "suggestion": suggestion,
    }


def write_log(path: Path, lines: list[dict | str]) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), encoding="utf-8")
    return path


INVALID_LINE = 9  # the `{not json` line of the log below


def the_log(tmp_path: Path) -> Path:
    return write_log(
        tmp_path / "inline.jsonl",
        [
            event("accept", LINE, DELAY, sid="s1"),
            event("dismiss", BLOCK, KICK, sid="s2"),
            event("accept", BLOCK, SHOUT, sid="s3"),  # dismissed, then another suggestion accepted here
            event("partial", STATEMENT, TIMER, len("CreateTimer("), sid="s4"),
            event("partial", STATEMENT, TIMER, len("CreateTimer(5.0, "), sid="s4"),  # the same, further
            event("accept", RANDOM, WRONG, sid="s5"),
            event("accept", LINE, DELAY, sid="s6"),  # shown again (cached) and accepted again
            {**event("accept", LINE, DELAY), "kind": "shown"},  # a kind this version does not know
            "{not json",
            "",
        ],
    )


def by_middle(records: list[dict]) -> dict[str, dict]:
    return {r["middle"]: r for r in records}


def test_the_log_becomes_fim_records_pairs_and_stats(tmp_path: Path) -> None:
    out = tmp_path / "data"
    assert main(["data", "feedback", str(the_log(tmp_path)), "--out", str(out), "--skip-invalid"]) == 0
    fim = by_middle(read_jsonl(out / "fim.jsonl"))
    # accept: the whole suggestion; partial: the longest accepted part; RandomFloat: learned as the fix.
    assert list(fim) == [DELAY, SHOUT, "CreateTimer(5.0, ", "GetRandomFloat(0.0, 1.0);"]
    assert [r["kind"] for r in fim.values()] == ["line", "body", "statement", "line"]
    assert all(r["prefix"] + r["suffix"] == cursor[0] + cursor[1] for r, cursor in zip(fim.values(), (LINE, BLOCK, STATEMENT, RANDOM), strict=True))  # fmt: skip
    record = fim[SHOUT]
    assert (record["repo"], record["path"]) == ("feedback", "tank_notes.sp")  # no folders of the user's disk
    assert record["context"] == {"game": "l4d2", "events": ["tank_spawn"], "signatures": []}

    pairs = read_jsonl(out / "dpo.jsonl")
    assert [(p["feedback"]["chosen"], p["feedback"]["rejected"], p["feedback"]["rejected_by"]) for p in pairs] == [
        (SHOUT, KICK, "dismissed"),
        ("GetRandomFloat(0.0, 1.0);", WRONG, "engine"),  # the engine's verdict: the original is the rejected side
    ]
    stats = json.loads((out / "stats.json").read_text())
    counts = {k: stats[k] for k in ("lines", "events", "accepted", "partial", "dismissed", "unknown", "invalid")}
    assert counts == {
        "lines": 9,
        "events": 7,
        "accepted": 4,
        "partial": 2,
        "dismissed": 1,
        "unknown": 1,
        "invalid": 1,
    }
    assert stats["invalid_lines"] == [f"{tmp_path / 'inline.jsonl'}:{INVALID_LINE}: not a valid JSONL line (Expecting property name enclosed in double quotes at column 2)"]  # fmt: skip
    assert stats["duplicates"] == 2  # s6 repeats s1; the longer partial of s4 supersedes the shorter
    assert (stats["fixed_by_audit"], stats["fixed_by_rule"]) == (1, {"SPC101": 1})
    assert (stats["dropped_by_audit"], stats["context_errors"]) == (0, 0)
    assert stats["pairs_rejected_by"] == {"dismissed": 1, "engine": 1}
    assert {k: v["records"] for k, v in stats["outputs"].items()} == {"fim.jsonl": 4, "dpo.jsonl": 2}
    # `data check` passes both files.
    assert audit([out / "fim.jsonl", out / "dpo.jsonl"]).ok


def test_fim_records_have_data_prepares_format(tmp_path: Path) -> None:
    out = tmp_path / "data"
    convert(FeedbackOptions([the_log(tmp_path)], out, skip_invalid=True))
    text = LINE[0] + DELAY + LINE[1]
    start = len(LINE[0])
    prepared = hole_record(text, Hole("line", start, start + len(DELAY)), "r", "p.sp", 0, "l4d2", ["tank_spawn"])
    for record in read_jsonl(out / "fim.jsonl"):
        assert list(record) == list(prepared)
    ours = by_middle(read_jsonl(out / "fim.jsonl"))[DELAY]
    assert {k: ours[k] for k in ("kind", "prefix", "suffix", "middle", "context")} == {
        k: prepared[k] for k in ("kind", "prefix", "suffix", "middle", "context")
    }


def test_pairs_use_the_servers_fim_prompt(tmp_path: Path) -> None:
    out = tmp_path / "data"
    convert(FeedbackOptions([the_log(tmp_path)], out, skip_invalid=True))
    hole = by_middle(read_jsonl(out / "fim.jsonl"))[SHOUT]
    pair = read_jsonl(out / "dpo.jsonl")[0]
    family = FAMILIES["qwen2.5-coder"]
    assert pair["prompt"] == serving_prompt(hole, family).prompt
    assert "// Events hooked in this file: tank_spawn" in pair["prompt"]  # the context notes the server adds
    assert (pair["chosen"], pair["rejected"]) == (SHOUT + "<|endoftext|>", KICK + "<|endoftext|>")


def test_chat_pairs_are_conversational(tmp_path: Path) -> None:
    out = tmp_path / "data"
    convert(FeedbackOptions([the_log(tmp_path)], out, skip_invalid=True, fim_family="chat"))
    pair = read_jsonl(out / "dpo.jsonl")[0]
    assert [m["role"] for m in pair["prompt"]] == ["system", "user"]
    assert "<FILL>" in pair["prompt"][1]["content"]
    assert pair["chosen"] == [{"role": "assistant", "content": f"<COMPLETION>{SHOUT}</COMPLETION>"}]
    assert pair["rejected"] == [{"role": "assistant", "content": f"<COMPLETION>{KICK}</COMPLETION>"}]
    assert audit([out / "dpo.jsonl"]).ok


SQL_CURSOR = (
    "Database g_db;\n\npublic void OnClientPostAdminCheck(int client)\n{\n"
    "    char name[MAX_NAME_LENGTH];\n    char query[512];\n    GetClientName(client, name, sizeof(name));\n",
    "    g_db.Query(OnInserted, query);\n}\n",
)
# SPC501 (a name put into SQL unescaped) has no safe fix; the Database's own Format escapes it.
INJECTION = "    Format(query, sizeof(query), \"INSERT INTO names (name) VALUES ('%s')\", name);\n"
ESCAPED = "    g_db.Format(query, sizeof(query), \"INSERT INTO names (name) VALUES ('%s')\", name);\n"


def test_a_suggestion_the_engine_rejects_is_never_chosen(tmp_path: Path) -> None:
    log = write_log(
        tmp_path / "inline.jsonl",
        [event("accept", SQL_CURSOR, INJECTION, sid="s1"), event("accept", SQL_CURSOR, ESCAPED, sid="s2")],
    )
    stats = convert(FeedbackOptions([log], tmp_path / "data"))
    assert [r["middle"] for r in read_jsonl(tmp_path / "data" / "fim.jsonl")] == [ESCAPED]
    pairs = read_jsonl(tmp_path / "data" / "dpo.jsonl")
    assert [(p["feedback"]["chosen"], p["feedback"]["rejected"]) for p in pairs] == [(ESCAPED, INJECTION)]
    assert (stats["dropped_by_audit"], stats["dropped_by_rule"]) == (1, {"SPC501": 1})


def test_a_partial_is_judged_as_the_whole_suggestion_cut(tmp_path: Path) -> None:
    # `RandomFloat(` alone is no call the engine can see; the whole suggestion is, and its fix carries over.
    suggestion = "RandomFloat(0.0, 1.0);"
    log = write_log(tmp_path / "inline.jsonl", [event("partial", RANDOM, suggestion, len("RandomFloat("))])
    convert(FeedbackOptions([log], tmp_path / "data"))
    assert [r["middle"] for r in read_jsonl(tmp_path / "data" / "fim.jsonl")] == ["GetRandomFloat("]


def test_an_invalid_line_is_an_error_naming_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    log = the_log(tmp_path)
    out = tmp_path / "data"
    assert main(["data", "feedback", str(log), "--out", str(out)]) == 2
    assert f"{log}:{INVALID_LINE}: not a valid JSONL line" in capsys.readouterr().err
    assert not out.exists() and not list(tmp_path.glob("data.partial-*"))
    bad_field = write_log(tmp_path / "fields.jsonl", [{**event("partial", LINE, DELAY), "accepted_length": "7"}])
    with pytest.raises(DatasetError, match=r"fields\.jsonl:1: a partial acceptance needs an integer"):
        convert(FeedbackOptions([bad_field], out))
    assert main(["data", "feedback", str(tmp_path / "missing.jsonl"), "--out", str(out)]) == 2


def test_existing_output_and_unknown_format_are_refused(tmp_path: Path) -> None:
    log = write_log(tmp_path / "inline.jsonl", [event("accept", LINE, DELAY)])
    out = tmp_path / "data"
    assert main(["data", "feedback", str(log), "--out", str(out)]) == 0
    assert main(["data", "feedback", str(log), "--out", str(out)]) == 2
    assert main(["data", "feedback", str(log), "--out", str(out), "--overwrite"]) == 0
    assert main(["data", "feedback", str(log), "--out", str(tmp_path / "x"), "--fim-family", "gpt"]) == 2


def test_the_servers_own_log_is_read(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "feedback" / "inline.jsonl"
    log = FeedbackLog(path)
    log.shown(Shown("s1", "qwen2.5-coder-7b", PATH, BLOCK[0], BLOCK[1], KICK))
    log.shown(Shown("s2", "qwen2.5-coder-7b", PATH, BLOCK[0], BLOCK[1], SHOUT))
    log.shown(Shown("s3", "qwen2.5-coder-7b", PATH, STATEMENT[0], STATEMENT[1], TIMER))
    assert log.record("s1", "dismiss") is not None
    assert log.record("s2", "accept") is not None
    assert log.record("s3", "partial", len("CreateTimer(5.0, ")) is not None
    assert log.record("s9", "accept") is None  # never shown: not logged

    out = tmp_path / "data"
    stats = convert(FeedbackOptions([path], out))
    assert (stats["events"], stats["accepted"], stats["partial"], stats["dismissed"]) == (3, 1, 1, 1)
    assert [r["middle"] for r in read_jsonl(out / "fim.jsonl")] == [SHOUT, "CreateTimer(5.0, "]
    pairs = read_jsonl(out / "dpo.jsonl")
    assert [(p["feedback"]["chosen"], p["feedback"]["rejected"]) for p in pairs] == [(SHOUT, KICK)]
