#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

Database g_hDb = null;

public void OnPluginStart()
{
    Database.Connect(OnConnected, "l4d2stats");
    RegConsoleCmd("sm_top", Command_Top, "the 10 players with the most points");
}

public void OnConnected(Database db, const char[] error, any data)
{
    if (db == null)
    {
        LogError("Could not connect to l4d2stats: %s", error);
        return;
    }
    g_hDb = db;
}

public void OnQueryDone(Database db, DBResultSet results, const char[] error, any data)
{
    if (results == null)
    {
        LogError("Query failed: %s", error);
    }
}

public Action Command_Top(int client, int args)
{
    if (g_hDb == null)
    {
        ReplyToCommand(client, "The database is not connected.");
        return Plugin_Handled;
    }
    g_hDb.Query(OnTopLoaded, "SELECT name, points FROM points ORDER BY points DESC LIMIT 10", client > 0 ? GetClientUserId(client) : 0);
    return Plugin_Handled;
}

public void OnTopLoaded(Database db, DBResultSet results, const char[] error, int userid)
{
    int client = userid > 0 ? GetClientOfUserId(userid) : 0;
    if (userid > 0 && client == 0)
    {
        return;
    }
    if (results == null)
    {
        LogError("Top query failed: %s", error);
        return;
    }
    char name[MAX_NAME_LENGTH];
    int rank = 0;
    while (results.FetchRow())
    {
        results.FetchString(0, name, sizeof(name));
        rank++;
        ReplyToCommand(client, "%d. %s (%d points)", rank, name, results.FetchInt(1));
    }
}
