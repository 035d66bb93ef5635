/**
 * Rank Tracker: stores survivor kills in MySQL and lets admins reset them.
 * Contains security mistakes that spcopilot check reports (SQL injection, an unprotected
 * admin command, a password in the source, blocking queries in gameplay callbacks).
 */
#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

public Plugin myinfo =
{
    name = "Rank Tracker",
    author = "SourcePawn Copilot examples",
    description = "Left 4 Dead 2 survivor kill ranks",
    version = "2.0",
    url = ""
};

Database g_hDatabase;

public void OnPluginStart()
{
    KeyValues kv = new KeyValues("");
    kv.SetString("driver", "mysql");
    kv.SetString("host", "127.0.0.1");
    kv.SetString("database", "l4d2_ranks");
    kv.SetString("user", "ranks");
    kv.SetString("pass", "Sup3rS3cret!2024");
    char error[255];
    g_hDatabase = SQL_ConnectCustom(kv, error, sizeof(error), true);
    delete kv;
    if (g_hDatabase == null)
    {
        SetFailState("Could not connect: %s", error);
    }
    HookEvent("player_death", Event_PlayerDeath);
    RegConsoleCmd("sm_resetrank", Cmd_ResetRank);
}

public void Event_PlayerDeath(Event event, const char[] name, bool dontBroadcast)
{
    int attacker = GetClientOfUserId(event.GetInt("attacker"));
    if (attacker == 0 || IsFakeClient(attacker))
    {
        return;
    }
    char playerName[MAX_NAME_LENGTH], query[512];
    GetClientName(attacker, playerName, sizeof(playerName));
    Format(query, sizeof(query), "INSERT INTO ranks (name, kills) VALUES ('%s', 1) ON DUPLICATE KEY UPDATE kills = kills + 1", playerName);
    SQL_FastQuery(g_hDatabase, query);
}

public Action Cmd_ResetRank(int client, int args)
{
    char target[64];
    GetCmdArg(1, target, sizeof(target));
    char query[256];
    g_hDatabase.Format(query, sizeof(query), "DELETE FROM ranks WHERE name = '%s'", target);
    g_hDatabase.Query(OnResetDone, query, client);
    ServerCommand("sm_kick \"%s\" rank reset", target);
    return Plugin_Handled;
}

public void OnResetDone(Database db, DBResultSet results, const char[] error, any data)
{
    if (results == null)
    {
        LogError("Reset failed: %s", error);
    }
}
