#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

public void OnMapStart()
{
    CreateTimer(10.0, Timer_TankHealth, _, TIMER_REPEAT | TIMER_FLAG_NO_MAPCHANGE);
}

public Action Timer_TankHealth(Handle timer)
{
    for (int i = 1; i <= MaxClients; i++)
    {
        if (IsClientInGame(i) && GetClientTeam(i) == 3 && IsPlayerAlive(i) && GetEntProp(i, Prop_Send, "m_zombieClass") == 8)
        {
            PrintToChatAll("Tank %N has %d health.", i, GetClientHealth(i));
        }
    }
    return Plugin_Continue;
}
