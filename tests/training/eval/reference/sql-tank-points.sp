#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

Database g_hDb = null;

public void OnPluginStart()
{
    Database.Connect(OnConnected, "l4d2stats");
    HookEvent("tank_killed", Event_TankKilled);
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

public void Event_TankKilled(Event event, const char[] name, bool dontBroadcast)
{
    int killer = GetClientOfUserId(event.GetInt("attacker"));
    if (g_hDb == null || killer == 0 || !IsClientInGame(killer) || IsFakeClient(killer))
    {
        return;
    }
    char auth[MAX_AUTHID_LENGTH];
    if (!GetClientAuthId(killer, AuthId_Steam2, auth, sizeof(auth)))
    {
        return;
    }
    char query[256];
    g_hDb.Format(query, sizeof(query), "UPDATE points SET points = points + 5 WHERE steamid = '%s'", auth);
    g_hDb.Query(OnQueryDone, query);
}
