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

public void OnClientSayCommand_Post(int client, const char[] command, const char[] sArgs)
{
    if (g_hDb == null || client == 0 || IsFakeClient(client))
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
    char safeName[MAX_NAME_LENGTH * 2 + 1];
    char safeText[512];
    g_hDb.Escape(name, safeName, sizeof(safeName));
    g_hDb.Escape(sArgs, safeText, sizeof(safeText));
    char query[1024];
    FormatEx(query, sizeof(query), "INSERT INTO chat (steamid, name, message) VALUES ('%s', '%s', '%s')", auth, safeName, safeText);
    g_hDb.Query(OnQueryDone, query);
}
