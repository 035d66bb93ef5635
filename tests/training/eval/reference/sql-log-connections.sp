#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

Database g_hDb = null;

public void OnPluginStart()
{
    Database.Connect(OnConnected, "l4d2stats");
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

public void OnClientPostAdminCheck(int client)
{
    if (g_hDb == null || IsFakeClient(client))
    {
        return;
    }
    char auth[MAX_AUTHID_LENGTH];
    if (!GetClientAuthId(client, AuthId_Steam2, auth, sizeof(auth)))
    {
        return;
    }
    char name[MAX_NAME_LENGTH];
    GetClientName(client, name, sizeof(name));
    char query[512];
    g_hDb.Format(query, sizeof(query), "INSERT INTO connections (steamid, name, seen) VALUES ('%s', '%s', %d)", auth, name, GetTime());
    g_hDb.Query(OnQueryDone, query);
}
