"""Realistic SourcePawn for the benchmarks: a large L4D2 plugin made of the blocks real plugins
are made of (event callbacks, timers carrying userids, commands, netprop reads, ADT arrays,
ConVars, menus), and a folder of include files shaped like SourceMod's and third-party ones."""

from __future__ import annotations

from pathlib import Path

HEADER = """#include <sourcemod>
#include <sdktools>
#include <bench_core>
#include <bench_lib000>
#include <bench_lib001>
#include <bench_lib002>

#pragma semicolon 1
#pragma newdecls required

#define PLUGIN_VERSION "2.4.1"
#define TEAM_SURVIVOR 2
#define TEAM_INFECTED 3

public Plugin myinfo =
{
    name = "Bench Director Tweaks",
    author = "bench",
    description = "Generated from realistic blocks",
    version = PLUGIN_VERSION,
    url = "https://example.invalid"
};

ConVar g_cvEnabled;
ConVar g_cvDelay;
ArrayList g_aQueue;
StringMap g_mNames;
float g_fLastSeen[MAXPLAYERS + 1];
bool g_bPinned[MAXPLAYERS + 1];

public void OnPluginStart()
{
    g_cvEnabled = CreateConVar("bench_enabled", "1", "Enable the plugin", FCVAR_NOTIFY, true, 0.0, true, 1.0);
    g_cvDelay = CreateConVar("bench_delay", "2.0", "Delay before the check", FCVAR_NOTIFY, true, 0.1);
    g_aQueue = new ArrayList();
    g_mNames = new StringMap();
    AutoExecConfig(true, "bench_director");
}
"""

BLOCKS = [
    """
public void OnPluginStart_Hooks{i}()
{{
    HookEvent("player_death", Event_PlayerDeath{i});
    HookEvent("lunge_pounce", Event_Pounce{i});
    HookEvent("round_start", Event_RoundStart{i}, EventHookMode_PostNoCopy);
    RegConsoleCmd("sm_stats{i}", Command_Stats{i}, "Show stats");
}}

public void Event_PlayerDeath{i}(Event event, const char[] name, bool dontBroadcast)
{{
    int victim = GetClientOfUserId(event.GetInt("userid"));
    int attacker = GetClientOfUserId(event.GetInt("attacker"));
    bool headshot = event.GetBool("headshot");
    if (victim <= 0 || !IsClientInGame(victim))
    {{
        return;
    }}
    if (attacker > 0 && attacker != victim && IsClientInGame(attacker))
    {{
        PrintToChat(attacker, "You killed %N%s", victim, headshot ? " (headshot)" : "");
    }}
    g_fLastSeen[victim] = GetGameTime();
}}

public void Event_Pounce{i}(Event event, const char[] name, bool dontBroadcast)
{{
    int hunter = GetClientOfUserId(event.GetInt("userid"));
    int victim = GetClientOfUserId(event.GetInt("victim"));
    if (hunter <= 0 || victim <= 0)
    {{
        return;
    }}
    g_bPinned[victim] = true;
    CreateTimer(g_cvDelay.FloatValue, Timer_CheckPinned{i}, GetClientUserId(victim), TIMER_FLAG_NO_MAPCHANGE);
}}

public Action Timer_CheckPinned{i}(Handle timer, int userid)
{{
    int client = GetClientOfUserId(userid);
    if (client == 0 || !IsClientInGame(client))
    {{
        return Plugin_Stop;
    }}
    int attacker = GetEntPropEnt(client, Prop_Send, "m_pounceAttacker");
    if (attacker > 0)
    {{
        float health = GetEntPropFloat(client, Prop_Send, "m_healthBuffer");
        PrintHintText(client, "Still pinned (%.1f temp health)", health);
    }}
    return Plugin_Stop;
}}

public void Event_RoundStart{i}(Event event, const char[] name, bool dontBroadcast)
{{
    g_aQueue.Clear();
    for (int i = 1; i <= MaxClients; i++)
    {{
        g_bPinned[i] = false;
        g_fLastSeen[i] = 0.0;
    }}
}}
""",
    """
public Action Command_Stats{i}(int client, int args)
{{
    if (!g_cvEnabled.BoolValue)
    {{
        ReplyToCommand(client, "[SM] The plugin is disabled.");
        return Plugin_Handled;
    }}
    char buffer[64];
    int survivors = 0;
    int infected = 0;
    for (int i = 1; i <= MaxClients; i++)
    {{
        if (!IsClientInGame(i))
        {{
            continue;
        }}
        switch (GetClientTeam(i))
        {{
            case TEAM_SURVIVOR: survivors++;
            case TEAM_INFECTED: infected++;
        }}
    }}
    Format(buffer, sizeof(buffer), "%d survivors, %d infected", survivors, infected);
    ReplyToCommand(client, "[SM] %s", buffer);
    return Plugin_Handled;
}}

stock bool IsValidSurvivor{i}(int client)
{{
    return client > 0 && client <= MaxClients && IsClientInGame(client) && GetClientTeam(client) == TEAM_SURVIVOR;
}}

stock int CountIncapacitated{i}()
{{
    int count = 0;
    for (int i = 1; i <= MaxClients; i++)
    {{
        if (IsValidSurvivor{i}(i) && GetEntProp(i, Prop_Send, "m_isIncapacitated") == 1)
        {{
            count++;
        }}
    }}
    return count;
}}
""",
    """
void RememberName{i}(int client)
{{
    char auth[32];
    char name[MAX_NAME_LENGTH];
    if (!GetClientAuthId(client, AuthId_Steam2, auth, sizeof(auth)))
    {{
        return;
    }}
    GetClientName(client, name, sizeof(name));
    g_mNames.SetString(auth, name);
    g_aQueue.Push(GetClientUserId(client));
}}

void DrainQueue{i}()
{{
    while (g_aQueue.Length > 0)
    {{
        int userid = g_aQueue.Get(0);
        g_aQueue.Erase(0);
        int client = GetClientOfUserId(userid);
        if (client > 0 && IsClientInGame(client))
        {{
            SetEntPropFloat(client, Prop_Send, "m_flLaggedMovementValue", 1.0);
        }}
    }}
}}

public void OnClientPutInServer_{i}(int client)
{{
    g_fLastSeen[client] = GetGameTime();
    float delay = GetRandomFloat(1.0, 5.0);
    CreateTimer(delay, Timer_Welcome{i}, GetClientUserId(client));
}}

public Action Timer_Welcome{i}(Handle timer, int userid)
{{
    int client = GetClientOfUserId(userid);
    if (client > 0 && IsClientInGame(client) && !IsFakeClient(client))
    {{
        PrintToChat(client, "Welcome! Type !stats for the round so far.");
    }}
    return Plugin_Continue;
}}
""",
]


def plugin(lines: int = 10_000) -> str:
    """A plugin of about `lines` lines."""
    parts = [HEADER]
    count = HEADER.count("\n")
    i = 0
    while count < lines:
        block = BLOCKS[i % len(BLOCKS)].format(i=i)
        parts.append(block)
        count += block.count("\n")
        i += 1
    return "".join(parts)


INCLUDE = """#if defined _{name}_included
 #endinput
#endif
#define _{name}_included

#include <bench_core>

/**
 * Flags for {name} helpers.
 */
enum {Name}Flags
{{
    {Name}_None = 0,
    {Name}_Survivors = (1 << 0),
    {Name}_Infected = (1 << 1)
}};

methodmap {Name}List < ArrayList
{{
    public {Name}List()
    {{
        return view_as<{Name}List>(new ArrayList());
    }}

    /**
     * Number of tracked clients.
     */
    property int Count
    {{
        public get() {{ return this.Length; }}
    }}

    public void Track(int client)
    {{
        this.Push(GetClientUserId(client));
    }}
}}
{functions}
"""

FUNCTION = """
/**
 * {Name} helper number {j}: returns the {j}th thing about a client.
 *
 * @param client        Client index.
 * @param flags         {Name}Flags to filter with.
 * @return              A value, or -1 if the client is not valid.
 * @error               Invalid client index.
 */
native int {Name}_Value{j}(int client, {Name}Flags flags = {Name}_None);

/**
 * Called when {name} changes state {j}.
 *
 * @param client        Client index.
 */
forward void {Name}_OnChange{j}(int client);

stock bool {Name}_IsReady{j}(int client)
{{
    return {Name}_Value{j}(client) >= 0;
}}
"""

CORE = """#if defined _bench_core_included
 #endinput
#endif
#define _bench_core_included

methodmap StringMap < Handle
{
    public native StringMap();
    public native bool SetString(const char[] key, const char[] value, bool replace = true);
};
"""


def write_includes(folder: Path, count: int = 300, functions: int = 12) -> list[Path]:
    """`count` include files (plus bench_core.inc) in `folder`; SourceMod's own (abridged, from
    the LSP test fixtures) go next to them."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "bench_core.inc"]
    paths[0].write_text(CORE, encoding="utf-8")
    for n in range(count):
        name = f"bench_lib{n:03d}"
        cap = f"BenchLib{n:03d}"
        body = "".join(FUNCTION.format(name=name, Name=cap, j=j) for j in range(functions))
        path = folder / f"{name}.inc"
        path.write_text(INCLUDE.format(name=name, Name=cap, functions=body), encoding="utf-8")
        paths.append(path)
    return paths
