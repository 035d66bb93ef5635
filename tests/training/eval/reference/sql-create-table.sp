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
    g_hDb.Query(OnTableCreated, "CREATE TABLE IF NOT EXISTS points (steamid VARCHAR(64) PRIMARY KEY, name VARCHAR(128), points INT NOT NULL DEFAULT 0)");
}

public void OnTableCreated(Database db, DBResultSet results, const char[] error, any data)
{
    if (results == null)
    {
        LogError("Could not create the points table: %s", error);
    }
}
