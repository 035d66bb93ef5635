"""The guard on recorded flawed model outputs (the replay backend as the model): the known
anti-patterns come out fixed, or flagged when no safe fix exists; never delivered silently."""

from __future__ import annotations

import json
from pathlib import Path

from spcopilot.server.ai.config import AISettings
from spcopilot.server.ai.guard import guard
from spcopilot.server.ai.service import Copilot, guard_insertion

FLAWED = """```sourcepawn
#pragma semicolon 1
#pragma newdecls required
#include <sourcemod>

public void OnPluginStart()
{
    HookEvent("pounce", Event_Pounce);
    HookEvent("witch_death", Event_WitchDeath);
}

public void Event_Pounce(Event event, const char[] name, bool dontBroadcast)
{
    int client = GetClientOfUserId(event.GetInt("userid"));
    CreateTimer(RandomFloat(1.0, 2.0), Timer_Announce, client);
}

public void Event_WitchDeath(Event event, const char[] name, bool dontBroadcast)
{
}

public Action Timer_Announce(Handle timer, any client)
{
    PrintToChat(client, "pounced");
    return Plugin_Stop;
}
```"""

REPAIRED = FLAWED.replace("CreateTimer(RandomFloat(1.0, 2.0), Timer_Announce, client);",
                          "CreateTimer(GetRandomFloat(1.0, 2.0), Timer_Announce, GetClientUserId(client));")  # fmt: skip


def replay(tmp_path: Path, rows: list[dict[str, str]]) -> Copilot:
    path = tmp_path / "recorded.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return Copilot(AISettings(backend="replay", replay_file=path))


def test_known_anti_patterns_come_out_fixed(tmp_path: Path) -> None:
    copilot = replay(tmp_path, [{"output": FLAWED}])
    result = copilot.generate_plugin("announce hunter pounces", repair=False)
    assert result.guard is not None
    code = result.text
    assert 'HookEvent("lunge_pounce"' in code and 'HookEvent("witch_killed"' in code
    assert "GetRandomFloat(1.0, 2.0)" in code
    fixed = {d.code for d in result.guard.fixed}
    assert {"SPC201", "SPC101"} <= fixed
    # the client index in the timer has a fix too (userid), or else it is reported
    assert "SPC401" in fixed or "SPC401" in {d.code for d in result.guard.remaining}


def test_what_cannot_be_fixed_is_reported_and_the_repair_round_runs_once(tmp_path: Path) -> None:
    injection = """public void OnPluginStart() { RegConsoleCmd("sm_x", Cmd); }
public Action Cmd(int client, int args)
{
    char name[64], query[256];
    GetCmdArg(1, name, sizeof(name));
    Format(query, sizeof(query), "SELECT * FROM players WHERE name = '%s'", name);
    SQL_TQuery(g_db, OnQuery, query);
    return Plugin_Handled;
}
"""
    fixed_query = injection.replace("Format(query", "g_db.Format(query").replace("'%s'", "'%e'")
    copilot = replay(tmp_path, [{"contains": "The SourcePawn checker reports", "output": f"```sourcepawn\n{fixed_query}```"},
                                {"output": f"```sourcepawn\n{injection}```"}])  # fmt: skip
    no_repair = copilot.generate_plugin("look up a player", repair=False)
    assert no_repair.guard is not None and "SPC501" in {d.code for d in no_repair.guard.errors}
    with_repair = copilot.generate_plugin("look up a player", repair=True)
    assert with_repair.guard is not None
    assert with_repair.guard.repaired_by_model is ("SPC501" not in {d.code for d in with_repair.guard.errors})
    assert copilot.ledger.requests == 3  # two generations and exactly one repair round


def test_a_repair_that_makes_things_worse_is_not_kept() -> None:
    code = "public void OnPluginStart() { int x = RandomInt(1, 2); }\n"
    result = guard(code, repair=lambda c, findings: "this is not code {{{")
    assert not result.repaired_by_model and "GetRandomInt" in result.code


def test_syntax_errors_are_reported() -> None:
    result = guard('public void OnPluginStart( {\n    PrintToServer("x")\n')
    assert result.syntax and not result.clean


def test_snippet_guard_fixes_inside_the_snippet_only() -> None:
    before = "stock float RandomFloat(float a, float b) { return a; }\npublic void F()\n{\n    float f = "
    result = guard_insertion(before, "RandomFloat(0.0, 1.0);", "\n}\n", None, "x.sp")
    assert result.code == "RandomFloat(0.0, 1.0);" and not result.fixed  # the file defines its own RandomFloat
    result = guard_insertion("public void F()\n{\n    float f = ", "RandomFloat(0.0, 1.0);", "\n}\n", None, "x.sp")
    assert result.code == "GetRandomFloat(0.0, 1.0);" and [d.code for d in result.fixed] == ["SPC101"]


TAKE_DAMAGE = """#include <sourcemod>

public void OnPluginStart()
{
    RegConsoleCmd("sm_hurt", Cmd_Hurt);
}

public Action Cmd_Hurt(int client, int args)
{
    int target = GetClientAimTarget(client, true);
    if (target > 0)
    {
        SlapPlayer(target, 0);
        TakeDamage(target, client, 25.0);
    }
    return Plugin_Handled;
}
"""


def test_generated_code_gets_the_unsafe_fixes_each_reported() -> None:
    result = guard(TAKE_DAMAGE)
    assert "#include <sdkhooks>" in result.code and "SDKHooks_TakeDamage(target, client, client, 25.0);" in result.code
    assert 'RegAdminCmd("sm_hurt", Cmd_Hurt, ADMFLAG_SLAY);' in result.code  # SPC503: it slaps another player
    changes = {f["code"]: f for f in result.to_json()["fixed"]}
    assert changes["SPC101"]["unsafe"] is True and "SDKHooks_TakeDamage" in str(changes["SPC101"]["change"])
    assert changes["SPC503"]["unsafe"] is True and result.remaining == []
    assert "review the unsafe fixes of SPC101, SPC503" in result.summary()
    # people's code (the dataset sanitiser) keeps only the safe fixes
    kept = guard(TAKE_DAMAGE, unsafe_fixes=False)
    assert "TakeDamage(target, client, 25.0)" in kept.code and "SPC101" in {d.code for d in kept.errors}


def test_warnings_without_a_fix_go_to_the_repair_round() -> None:
    leak = "public void OnPluginStart()\n{\n    ArrayList list = new ArrayList();\n    list.Push(1);\n}\n"
    asked: list[str] = []

    def repair(code: str, findings: str) -> str:
        asked.append(findings)
        return code.replace("list.Push(1);", "list.Push(1);\n    delete list;")

    result = guard(leak, repair=repair)
    assert asked and "SPC405" in asked[0]
    assert result.repaired_by_model and "delete list;" in result.code and not result.remaining


def test_a_repair_that_drops_code_is_not_kept() -> None:
    code = "public void OnPluginStart()\n{\n    ArrayList list = new ArrayList();\n    list.Push(1);\n}\n"
    result = guard(code, repair=lambda c, findings: "// (no answer)\n")
    assert not result.repaired_by_model and result.code == code and result.remaining
