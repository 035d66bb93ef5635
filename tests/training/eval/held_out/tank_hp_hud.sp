#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

Handle g_hHudTimer = null;

public void OnPluginStart()
{
    HookEvent("tank_spawn", Event_TankSpawn);
    RegConsoleCmd("sm_tankhp", Command_TankHp, "show the health of every tank");
}

public void OnMapEnd()
{
    g_hHudTimer = null;
}

public void Event_TankSpawn(Event event, const char[] name, bool dontBroadcast)
{
    if (g_hHudTimer == null)
    {
        g_hHudTimer = CreateTimer(2.0, Timer_Hud, _, TIMER_REPEAT | TIMER_FLAG_NO_MAPCHANGE);
    }
}

public Action Timer_Hud(Handle timer)
{
    int tanks = 0;
    for (int i = 1; i <= MaxClients; i++)
    {
        if (IsTank(i))
        {
            tanks++;
            PrintHintTextToAll("Tank %N: %d HP", i, GetClientHealth(i));
        }
    }
    if (tanks == 0)
    {
        g_hHudTimer = null;
        return Plugin_Stop;
    }
    return Plugin_Continue;
}

public Action Command_TankHp(int client, int args)
{
    for (int i = 1; i <= MaxClients; i++)
    {
        if (IsTank(i))
        {
            ReplyToCommand(client, "%N has %d health", i, GetClientHealth(i));
        }
    }
    return Plugin_Handled;
}

bool IsTank(int client)
{
    return IsClientInGame(client) && GetClientTeam(client) == 3 && IsPlayerAlive(client)
        && GetEntProp(client, Prop_Send, "m_zombieClass") == 8;
}
