#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

float g_fSpawnedAt[MAXPLAYERS + 1];

public void OnPluginStart()
{
    HookEvent("tank_spawn", Event_TankSpawn);
    HookEvent("tank_killed", Event_TankKilled);
}

public void Event_TankSpawn(Event event, const char[] name, bool dontBroadcast)
{
    int tank = GetClientOfUserId(event.GetInt("userid"));
    if (tank > 0)
    {
        g_fSpawnedAt[tank] = GetGameTime();
    }
}

public void Event_TankKilled(Event event, const char[] name, bool dontBroadcast)
{
    int tank = GetClientOfUserId(event.GetInt("userid"));
    if (tank > 0 && g_fSpawnedAt[tank] > 0.0)
    {
        PrintToChatAll("The tank died after %.0f seconds.", GetGameTime() - g_fSpawnedAt[tank]);
        g_fSpawnedAt[tank] = 0.0;
    }
}
