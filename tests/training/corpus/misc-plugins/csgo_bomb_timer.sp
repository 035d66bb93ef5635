/**
 * Bomb Timer: shows the C4 countdown to counter-terrorists (Counter-Strike: Global Offensive).
 */
#include <sourcemod>
#include <cstrike>

#pragma semicolon 1
#pragma newdecls required

public Plugin myinfo =
{
    name = "Bomb Timer",
    author = "tests",
    description = "Shows the C4 countdown",
    version = "1.0",
    url = ""
};

float g_fExplodeAt;

public void OnPluginStart()
{
    HookEvent("bomb_planted", Event_BombPlanted);
    HookEvent("bomb_defused", Event_BombDone);
    HookEvent("bomb_exploded", Event_BombDone);
}

public void Event_BombPlanted(Event event, const char[] name, bool dontBroadcast)
{
    ConVar c4timer = FindConVar("mp_c4timer");
    g_fExplodeAt = GetGameTime() + c4timer.FloatValue;
    CreateTimer(1.0, Timer_Countdown, _, TIMER_REPEAT | TIMER_FLAG_NO_MAPCHANGE);
}

public Action Timer_Countdown(Handle timer)
{
    float left = g_fExplodeAt - GetGameTime();
    if (left <= 0.0)
    {
        return Plugin_Stop;
    }
    for (int i = 1; i <= MaxClients; i++)
    {
        if (IsClientInGame(i) && GetClientTeam(i) == CS_TEAM_CT)
        {
            PrintHintText(i, "C4: %.0f seconds", left);
        }
    }
    return Plugin_Continue;
}

public void Event_BombDone(Event event, const char[] name, bool dontBroadcast)
{
    g_fExplodeAt = 0.0;
}
