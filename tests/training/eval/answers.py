"""Recorded model answers for the replay tests: a correct and a flawed plugin per battery item of
`small_battery` (test_eval_run.py). The flaws are the ones models make: a misnamed event (the
guard fixes it), a player speed on "m_flSpeed" (a warning whose fix is unsafe: the guard applies
it to generated code and reports it), SQL with an unescaped name (an error only a repair round can fix), an invented native (the
guard renames it)."""

from __future__ import annotations

HEAD = "#include <sourcemod>\n\n#pragma semicolon 1\n#pragma newdecls required\n\n"
POUNCE_GOOD = (
    HEAD
    + """public void OnPluginStart()
{
    HookEvent("lunge_pounce", Event_Pounce);
}

public void Event_Pounce(Event event, const char[] name, bool dontBroadcast)
{
    int victim = GetClientOfUserId(event.GetInt("victim"));
    if (victim > 0 && IsClientInGame(victim))
    {
        PrintToChatAll("Pounced: %N", victim);
    }
}
"""
)
POUNCE_FLAWED = POUNCE_GOOD.replace('"lunge_pounce"', '"pounce"')
SPEED_GOOD = (
    HEAD
    + """public void OnPluginStart()
{
    RegConsoleCmd("sm_fast", Command_Fast);
}

public Action Command_Fast(int client, int args)
{
    if (client > 0 && IsPlayerAlive(client))
    {
        SetEntPropFloat(client, Prop_Send, "m_flLaggedMovementValue", 2.0);
    }
    return Plugin_Handled;
}
"""
)
SPEED_FLAWED = SPEED_GOOD.replace('"m_flLaggedMovementValue"', '"m_flSpeed"')
SQL_GOOD = (
    HEAD
    + """Database g_hDb = null;

public void OnPluginStart()
{
    Database.Connect(OnConnected, "stats");
}

public void OnConnected(Database db, const char[] error, any data)
{
    g_hDb = db;
}

public void OnClientPostAdminCheck(int client)
{
    if (g_hDb == null)
    {
        return;
    }
    char name[MAX_NAME_LENGTH];
    GetClientName(client, name, sizeof(name));
    char query[256];
    g_hDb.Format(query, sizeof(query), "INSERT INTO names (name) VALUES ('%s')", name);
    g_hDb.Query(OnQueryDone, query);
}

public void OnQueryDone(Database db, DBResultSet results, const char[] error, any data)
{
}
"""
)
SQL_FLAWED = SQL_GOOD.replace("g_hDb.Format(query", "Format(query")
RANDOM_GOOD = (
    HEAD
    + """public void OnPluginStart()
{
    HookEvent("round_start", Event_RoundStart, EventHookMode_PostNoCopy);
}

public void Event_RoundStart(Event event, const char[] name, bool dontBroadcast)
{
    for (int i = 1; i <= MaxClients; i++)
    {
        if (IsClientInGame(i) && IsPlayerAlive(i))
        {
            SetEntityHealth(i, GetClientHealth(i) + GetRandomInt(10, 50));
        }
    }
}
"""
)
RANDOM_FLAWED = RANDOM_GOOD.replace("GetRandomInt(", "RandomInt(")
