/**
 * Name Logger: stores every player's name in a database when they join.
 * (Puts the name into SQL unescaped: the sanitiser must drop this file.)
 */
#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

public Plugin myinfo =
{
    name = "Name Logger",
    author = "tests",
    description = "Logs player names to a database",
    version = "0.1",
    url = ""
};

Database g_db;

public void OnPluginStart()
{
    char error[256];
    g_db = SQL_Connect("namelog", true, error, sizeof(error));
    if (g_db == null)
    {
        SetFailState("Database error: %s", error);
    }
}

public void OnClientPostAdminCheck(int client)
{
    char name[MAX_NAME_LENGTH];
    char query[512];
    GetClientName(client, name, sizeof(name));
    Format(query, sizeof(query), "INSERT INTO names (name) VALUES ('%s')", name);
    g_db.Query(OnInserted, query);
}

public void OnInserted(Database db, DBResultSet results, const char[] error, any data)
{
    if (results == null)
    {
        LogError("insert failed: %s", error);
    }
}
