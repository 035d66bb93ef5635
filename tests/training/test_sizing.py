"""Examples sized for training: a long plugin becomes a skeleton and parts instead of a cut
answer, no record is longer than the limit, what cannot fit is counted; the truncation report
and the refusal a trainer calls."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from spcopilot.training.audit import errors_in
from spcopilot.training.errors import DatasetError
from spcopilot.training.examples import file_examples
from spcopilot.training.sizing import check_truncation, record_tokens, split_plugin, tokens, truncation_report

from spcopilot.cli import main
from tests.training.conftest import read_jsonl

# Events with a userid field (the handlers read it), so every handler lints clean.
EVENTS = (
    "player_death player_hurt heal_success revive_success tank_spawn player_incapacitated lunge_pounce "
    "tongue_grab jockey_ride charger_carry_start player_now_it pills_used adrenaline_used player_ledge_grab "
    "ability_use weapon_fire player_jump player_spawn"
).split()


def _camel(name: str) -> str:
    return "".join(p.capitalize() for p in name.split("_"))


def long_plugin(huge_function: bool = False) -> str:
    """A plugin of ours, far over 1,500 tokens: a handler per event, commands, a timer, helpers."""
    hooks = "\n".join(f'    HookEvent("{e}", Event_{_camel(e)});' for e in EVENTS)
    parts = [
        "#include <sourcemod>\n\n#pragma semicolon 1\n#pragma newdecls required\n",
        'public Plugin myinfo =\n{\n    name = "Long Tracker",\n    author = "tests",\n'
        '    description = "Tracks what every survivor and infected does during a round",\n'
        '    version = "1.0",\n    url = ""\n};\n',
        "ConVar g_cvAnnounce;\nint g_iCount[MAXPLAYERS + 1];\n",
        "public void OnPluginStart()\n{\n"
        '    g_cvAnnounce = CreateConVar("sm_longtracker_announce", "1", "Announce what happens");\n'
        '    RegConsoleCmd("sm_tracked", Cmd_Tracked, "Shows your tracked events");\n'
        '    RegAdminCmd("sm_tracker_reset", Cmd_Reset, ADMFLAG_GENERIC, "Resets every count");\n'
        "    CreateTimer(30.0, Timer_Report, _, TIMER_REPEAT);\n" + hooks + "\n}\n",
    ]
    for e in EVENTS:
        parts.append(
            f"public void Event_{_camel(e)}(Event event, const char[] name, bool dontBroadcast)\n{{\n"
            '    int client = GetClientOfUserId(event.GetInt("userid"));\n'
            "    if (client > 0 && client <= MaxClients && IsClientInGame(client))\n    {\n"
            "        g_iCount[client]++;\n"
            "        if (g_cvAnnounce.BoolValue)\n        {\n"
            f'            PrintToChat(client, "{e}: %d so far", g_iCount[client]);\n'
            "        }\n    }\n}\n"
        )
    parts.append(
        "public Action Cmd_Tracked(int client, int args)\n{\n"
        '    ReplyToCommand(client, "You have %d tracked events.", g_iCount[client]);\n    return Plugin_Handled;\n}\n'
    )
    parts.append(
        "public Action Cmd_Reset(int client, int args)\n{\n    ResetCounts();\n    return Plugin_Handled;\n}\n"
    )
    parts.append(
        "public Action Timer_Report(Handle timer)\n{\n    int total = 0;\n"
        "    for (int i = 1; i <= MaxClients; i++)\n    {\n        total += g_iCount[i];\n    }\n"
        '    PrintToServer("tracked %d events", total);\n    return Plugin_Continue;\n}\n'
    )
    parts.append(
        "void ResetCounts()\n{\n    for (int i = 1; i <= MaxClients; i++)\n    {\n        g_iCount[i] = 0;\n    }\n}\n"
    )
    if huge_function:
        body = "".join(f'    PrintToServer("line {i} of a very long function that cannot fit");\n' for i in range(400))
        parts.append(f"void DumpEverything()\n{{\n{body}}}\n")
    return "\n".join(parts)


def code_of(record: dict) -> str:
    return record["messages"][2]["content"].split("```sourcepawn\n", 1)[1].rsplit("```", 1)[0]


def defined(code: str) -> set[str]:
    return set(re.findall(r"^(?:public |stock )?\w+ (\w+)\(", code, re.M))


def test_a_long_plugin_becomes_a_skeleton_and_parts_that_fit() -> None:
    text = long_plugin()
    assert not errors_in(text) and tokens(text) > 2000
    found = file_examples(text, "corpus/tests", "long_tracker.sp", "l4d2", max_tokens=1500)
    kinds = [r["meta"]["kind"] for r in found.chat]
    assert kinds.count("plugin_skeleton") == 1 and kinds.count("plugin_part") >= 3
    assert "plugin" not in kinds and "function" not in kinds
    assert all(record_tokens(r) <= 1500 for r in found.chat)
    assert found.sizing["plugins_split"] == 1 and found.sizing["parts"] == kinds.count("plugin_part")
    assert "functions_too_long" not in found.sizing

    skeleton = next(r for r in found.chat if r["meta"]["kind"] == "plugin_skeleton")
    assert "OnPluginStart" in defined(code_of(skeleton)) and "myinfo" in code_of(skeleton)
    assert "start with its skeleton" in skeleton["messages"][1]["content"]
    # Every function is in exactly one answer: nothing lost, nothing twice.
    seen: list[str] = []
    for record in found.chat:
        seen += sorted(defined(code_of(record)))
    assert sorted(seen) == sorted(defined(text))
    # Parts are asked for by what they are, with the skeleton as context when it fits.
    handlers = [
        r for r in found.chat if r["meta"]["kind"] == "plugin_part" and "handlers of" in r["messages"][1]["content"]
    ]
    assert handlers and all(r["meta"]["functions"][0].startswith("Event_") for r in handlers)
    for record in found.chat:
        request = record["messages"][1]["content"]
        if record["meta"]["kind"] == "plugin_part":  # with the skeleton as context, or naming the plugin
            assert request.startswith(
                "Here is the skeleton of my Left 4 Dead 2 SourceMod plugin"
            ) or request.startswith('In my Left 4 Dead 2 SourceMod plugin "Long Tracker", write ')


def test_a_function_longer_than_the_limit_is_counted_not_cut() -> None:
    text = long_plugin(huge_function=True)
    found = file_examples(text, "corpus/tests", "long_tracker.sp", "l4d2", max_tokens=1500)
    assert found.sizing["functions_too_long"] == 1 and found.sizing["tokens_lost"] > 1500
    assert all("DumpEverything" not in defined(code_of(r)) for r in found.chat)
    assert all(record_tokens(r) <= 1500 for r in found.chat)


def test_the_skeleton_leaves_out_long_comments() -> None:
    changelog = "/*\n" + "".join(f" * v1.{i}: changed something\n" for i in range(200)) + " */\n"
    split = split_plugin(changelog + long_plugin(), 1000)
    assert split.skeleton and "changed something" not in split.skeleton
    assert "OnPluginStart" in split.kept


def test_a_compact_system_prompt_leaves_room_for_the_whole_plugin() -> None:
    """A small model is trained and served with the compact system prompt: sized with it, a plugin
    that the full prompt's tables would push into a skeleton and parts fits as one answer."""
    from spcopilot.server.ai.prompts.system import system_prompt
    from spcopilot.training.examples import chat_system

    text = long_plugin()
    limit = tokens(text) + 400  # room for the compact prompt (~140) and the request, not the full one (~690)
    full = file_examples(text, "corpus/tests", "long_tracker.sp", "l4d2", max_tokens=limit)
    compact = file_examples(text, "corpus/tests", "long_tracker.sp", "l4d2", max_tokens=limit,
                            system=chat_system("compact"))  # fmt: skip
    assert "plugin" not in [r["meta"]["kind"] for r in full.chat] and full.sizing["plugins_split"] == 1
    whole = [r for r in compact.chat if r["meta"]["kind"] == "plugin"]
    assert len(whole) == 1 and code_of(whole[0]).strip() == text.strip()
    assert all(r["messages"][0]["content"] == system_prompt(compact=True) for r in compact.chat)
    assert all(record_tokens(r) <= limit for r in compact.chat + full.chat)
    assert chat_system("full") is None
    with pytest.raises(ValueError):
        chat_system("tiny")


def test_truncation_report_and_refusal() -> None:
    report = truncation_report([100, 5000, 4096, 9000], 4096)
    assert (report.records, report.truncated, report.tokens_lost, report.longest) == (4, 2, 904 + 4904, 9000)
    assert report.share == 0.5
    check_truncation(truncation_report([100, 200], 4096), 0.02, "train/chat.jsonl")  # nothing cut: accepted
    with pytest.raises(DatasetError) as refused:
        check_truncation(report, 0.02, "train/chat.jsonl")
    message = str(refused.value)
    assert "train/chat.jsonl: 2 of 4 examples (50.0 %)" in message and "--max-tokens 4096" in message


def test_prepare_writes_no_example_longer_than_the_limit(tmp_path: Path, capsys) -> None:
    repo = tmp_path / "corpus" / "long-plugins"
    repo.mkdir(parents=True)
    (repo / "long_tracker.sp").write_text(long_plugin(huge_function=True), encoding="utf-8")
    out = tmp_path / "data"
    args = ["data", "prepare", str(tmp_path / "corpus"), "--out", str(out), "--max-tokens", "1500", "--no-progress"]
    assert main(args) == 0
    assert (
        "1 long plugins split into skeleton + parts; 1 functions over 1500 tokens left out" in capsys.readouterr().out
    )
    chat = read_jsonl(out / "train" / "chat.jsonl")
    assert {r["meta"]["kind"] for r in chat} >= {"plugin_skeleton", "plugin_part"}
    assert all(record_tokens(r) <= 1500 for r in chat)
    import json

    sizing = json.loads((out / "stats.json").read_text())["sizing"]
    assert sizing["truncation"]["train/chat.jsonl"]["truncated"] == 0
    assert sizing["functions_too_long"] == 1 and sizing["max_tokens"] == 1500

    compact = tmp_path / "compact"
    assert main([*args[:4], str(compact), *args[5:], "--system-prompt", "compact"]) == 0
    capsys.readouterr()
    from spcopilot.server.ai.prompts.system import system_prompt

    records = read_jsonl(compact / "train" / "chat.jsonl")
    assert records and all(r["messages"][0]["content"] == system_prompt(compact=True) for r in records)
    assert all(record_tokens(r) <= 1500 for r in records)
    assert json.loads((compact / "stats.json").read_text())["options"]["system_prompt"] == "compact"


class WordTokenizer:
    """A stand-in tokenizer: a chat template of role markers and one token per word."""

    def apply_chat_template(self, messages: list[dict], tokenize: bool = True) -> dict[str, list[int]]:
        words = [w for m in messages for w in ["<|im_start|>", m["role"], *m["content"].split(), "<|im_end|>"]]
        return {"input_ids": list(range(len(words)))}


def test_chat_truncation_counts_with_the_models_template() -> None:
    from spcopilot.training.sizing import chat_truncation

    def record(words: int) -> dict:
        return {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x " * words}]}

    report = chat_truncation([record(10), record(100), record(300)], WordTokenizer(), 110)
    assert (report.records, report.truncated, report.longest) == (3, 1, 307)  # 4 + 303 tokens
    assert report.tokens_lost == 307 - 110
    with pytest.raises(DatasetError):
        check_truncation(report, 0.1, "train/chat.jsonl")
