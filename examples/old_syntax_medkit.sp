/**
 * Medkit Helper, written in the old (pre-1.7) syntax, which still compiles.
 * spcopilot check reports deprecated natives and offers the style hints.
 */
#include <sourcemod>
#include <sdktools>

#pragma semicolon 1

public Plugin:myinfo =
{
    name = "Medkit Helper",
    author = "SourcePawn Copilot examples",
    description = "Heals survivors who stand still with a medkit",
    version = "1.0",
    url = ""
};

new Handle:g_hHealTimer = INVALID_HANDLE;
new Float:g_fHealRate = 2.5;

public OnPluginStart()
{
    g_hHealTimer = CreateTimer(1.0, Timer_Heal, _, TIMER_REPEAT);
}

public Action:Timer_Heal(Handle:timer)
{
    for (new i = 1; i <= GetMaxClients(); i++)
    {
        if (!IsClientInGame(i) || GetClientTeam(i) != 2 || !IsPlayerAlive(i))
        {
            continue;
        }
        new health = GetClientHealth(i);
        new Float:amount = FloatMul(g_fHealRate, 2.0);
        if (health < 100)
        {
            SetEntityHealth(i, health + RoundFloat(amount));
        }
    }
    return Plugin_Continue;
}

public OnPluginEnd()
{
    if (g_hHealTimer != INVALID_HANDLE)
    {
        CloseHandle(g_hHealTimer);
    }
}
