#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

ConVar g_cvDecayRate;

public void OnPluginStart()
{
    g_cvDecayRate = FindConVar("pain_pills_decay_rate");
    RegConsoleCmd("sm_temphp", Command_TempHp, "show your temporary health");
}

float GetTempHealth(int client)
{
    float buffer = GetEntPropFloat(client, Prop_Send, "m_healthBuffer");
    float elapsed = GetGameTime() - GetEntPropFloat(client, Prop_Send, "m_healthBufferTime");
    float health = buffer - elapsed * g_cvDecayRate.FloatValue;
    return health > 0.0 ? health : 0.0;
}

public Action Command_TempHp(int client, int args)
{
    if (client == 0 || !IsPlayerAlive(client))
    {
        return Plugin_Handled;
    }
    ReplyToCommand(client, "Temporary health: %.0f", GetTempHealth(client));
    return Plugin_Handled;
}
