"""Snippets for the shapes every L4D2 plugin has: the plugin skeleton, an event hook with its
callback, a timer that carries a userid (never a client index) across time.

Bodies use the LSP snippet syntax (`${1:default}`, `$0`); `plain()` strips it for clients
without snippet support. A snippet's `callback` is a function appended after the enclosing
function (as an additional edit, which cannot hold placeholders, so its name is fixed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Snippet:
    label: str
    detail: str
    body: str
    where: str  # "top" (outside functions) or "statement" (inside a function body)
    callback: str = ""


PLUGIN = Snippet(
    "plugin",
    "Plugin skeleton: includes, pragmas, myinfo, OnPluginStart",
    """#include <sourcemod>
#include <sdktools>

#pragma semicolon 1
#pragma newdecls required

#define PLUGIN_VERSION "${1:1.0.0}"

public Plugin myinfo =
{
\tname = "${2:My Plugin}",
\tauthor = "${3:me}",
\tdescription = "${4:What it does}",
\tversion = PLUGIN_VERSION,
\turl = "${5:https://github.com/}"
};

public void OnPluginStart()
{
\t$0
}
""",
    "top",
)

MYINFO = Snippet(
    "myinfo",
    "public Plugin myinfo = { ... }",
    """public Plugin myinfo =
{
\tname = "${1:My Plugin}",
\tauthor = "${2:me}",
\tdescription = "${3:What it does}",
\tversion = "${4:1.0.0}",
\turl = "${5:https://github.com/}"
};
$0""",
    "top",
)

HOOK_EVENT = Snippet(
    "hookevent",
    "HookEvent with its callback stub",
    'HookEvent("${1:player_death}", Event_Hooked);$0',
    "statement",
    callback="""
public void Event_Hooked(Event event, const char[] name, bool dontBroadcast)
{
\tint client = GetClientOfUserId(event.GetInt("userid"));
\tif (client == 0 || !IsClientInGame(client))
\t{
\t\treturn;
\t}
}
""",
)

HOOK_EVENT_TOP = Snippet(
    "hookevent",
    "Event callback (hook it in OnPluginStart)",
    """public void Event_${1:PlayerDeath}(Event event, const char[] name, bool dontBroadcast)
{
\t// HookEvent("${2:player_death}", Event_${1:PlayerDeath}); in OnPluginStart
\tint client = GetClientOfUserId(event.GetInt("userid"));
\tif (client == 0 || !IsClientInGame(client))
\t{
\t\treturn;
\t}
\t$0
}""",
    "top",
)

TIMER_USERID = Snippet(
    "timer-userid",
    "CreateTimer carrying a userid, with its callback",
    "CreateTimer(${1:1.0}, Timer_Client, GetClientUserId(${2:client}), TIMER_FLAG_NO_MAPCHANGE);$0",
    "statement",
    callback="""
public Action Timer_Client(Handle timer, int userid)
{
\tint client = GetClientOfUserId(userid);
\tif (client == 0 || !IsClientInGame(client))
\t{
\t\treturn Plugin_Stop;
\t}
\treturn Plugin_Stop;
}
""",
)

SNIPPETS = (PLUGIN, MYINFO, HOOK_EVENT, HOOK_EVENT_TOP, TIMER_USERID)

_PLACEHOLDER = re.compile(r"\$\{\d+:([^}]*)\}|\$\d+")


def plain(body: str) -> str:
    """The snippet as plain text (placeholders replaced by their defaults)."""
    return _PLACEHOLDER.sub(lambda m: m.group(1) or "", body)


def snippets_for(where: str) -> list[Snippet]:
    return [s for s in SNIPPETS if s.where == where]
