#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

public void OnPluginStart()
{
    HookEvent("round_start", Event_RoundStart, EventHookMode_PostNoCopy);
}

public void Event_RoundStart(Event event, const char[] name, bool dontBroadcast)
{
    CreateTimer(1.0, Timer_GiveHealth, _, TIMER_FLAG_NO_MAPCHANGE);
}

public Action Timer_GiveHealth(Handle timer)
{
    for (int i = 1; i <= MaxClients; i++)
    {
        if (IsClientInGame(i) && GetClientTeam(i) == 2 && IsPlayerAlive(i))
        {
            SetEntityHealth(i, GetClientHealth(i) + GetRandomInt(10, 50));
        }
    }
    return Plugin_Stop;
}
