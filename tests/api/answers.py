"""The replay backend's recorded answers for the API tests and the playground test: each key is
text only that request's prompt holds; the catch-all at the end answers anything else (the
schema fuzzer's prompts)."""

from __future__ import annotations

import json
from pathlib import Path

TANK_PROMPT = "Announce the tank's health to all players every 10 seconds while a tank is alive."

# A plugin as a model writes it: a misnamed event and an invented function (the guard fixes
# both), and a KeyValues that leaks (a warning the guard cannot fix: it stays in the report).
TANK_PLUGIN = """#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

public Plugin myinfo =
{
\tname = "Tank Health",
\tauthor = "spcopilot",
\tdescription = "Announces the tank's health",
\tversion = "1.0",
\turl = ""
};

public void OnPluginStart()
{
\tHookEvent("tank_spawned", Event_TankSpawn);
\tCreateTimer(10.0, Timer_Announce, _, TIMER_REPEAT);
}

public void Event_TankSpawn(Event event, const char[] name, bool dontBroadcast)
{
\tint tank = GetClientOfUserId(event.GetInt("userid"));
\tKeyValues kv = new KeyValues("tank");
\tkv.SetNum("health", GetClientHealth(tank));
\tPrintToChatAll("A tank spawned (%.1f)", RandomFloat(0.0, 1.0));
}

public Action Timer_Announce(Handle timer)
{
\tfor (int i = 1; i <= MaxClients; i++)
\t{
\t\tif (IsClientInGame(i) && GetClientTeam(i) == 3)
\t\t{
\t\t\tPrintToChatAll("Tank health: %d", GetClientHealth(i));
\t\t}
\t}
\treturn Plugin_Continue;
}
"""

CHAT_QUESTION = "How do I hook the hunter pounce?"
CHAT_ANSWER = (
    "Hook `lunge_pounce` and read the victim from its userid:\n\n"
    "```sourcepawn\n"
    'public void OnPluginStart()\n{\n\tHookEvent("pounce", Event_Pounce);\n}\n\n'
    "public void Event_Pounce(Event event, const char[] name, bool dontBroadcast)\n{\n"
    '\tint victim = GetClientOfUserId(event.GetInt("victim"));\n'
    '\tPrintToChatAll("%N was pounced (%.1f)", victim, RandomFloat(0.0, 1.0));\n}\n'
    "```\n\n"
    "The event fires once per pounce."
)

AT_CURSOR_INSTRUCTION = "print a random delay to the server"
AT_CURSOR_CODE = 'PrintToServer("delay %.1f", RandomFloat(1.0, 3.0));'
FILL_MARKER = "// api-test: say the round started"
FILL_CODE = 'PrintToChatAll("Round %d started (%.1f)", g_iRound, RandomFloat(0.0, 1.0));'
FALLBACK = "```sourcepawn\n// (no recorded answer for this prompt)\n```"

RECORDS = [
    {"contains": TANK_PROMPT, "output": f"```sourcepawn\n{TANK_PLUGIN}```"},
    {"contains": CHAT_QUESTION, "output": CHAT_ANSWER},
    {"contains": AT_CURSOR_INSTRUCTION, "output": f"```sourcepawn\n{AT_CURSOR_CODE}\n```"},
    {"contains": FILL_MARKER, "output": FILL_CODE},
    {"output": FALLBACK},
]


def write_replay(folder: Path) -> Path:
    path = folder / "replay.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    return path
