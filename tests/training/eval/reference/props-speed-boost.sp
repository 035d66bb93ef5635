#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

public void OnPluginStart()
{
    RegConsoleCmd("sm_fast", Command_Fast, "double your speed for 10 seconds");
}

public Action Command_Fast(int client, int args)
{
    if (client == 0 || !IsPlayerAlive(client))
    {
        return Plugin_Handled;
    }
    SetEntPropFloat(client, Prop_Send, "m_flLaggedMovementValue", 2.0);
    CreateTimer(10.0, Timer_ResetSpeed, GetClientUserId(client), TIMER_FLAG_NO_MAPCHANGE);
    return Plugin_Handled;
}

public Action Timer_ResetSpeed(Handle timer, int userid)
{
    int client = GetClientOfUserId(userid);
    if (client > 0 && IsClientInGame(client))
    {
        SetEntPropFloat(client, Prop_Send, "m_flLaggedMovementValue", 1.0);
    }
    return Plugin_Stop;
}
