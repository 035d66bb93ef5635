#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

int g_iVomited[MAXPLAYERS + 1];

public void OnPluginStart()
{
    HookEvent("player_now_it", Event_NowIt);
    HookEvent("round_start", Event_RoundStart, EventHookMode_PostNoCopy);
}

public void Event_RoundStart(Event event, const char[] name, bool dontBroadcast)
{
    for (int i = 1; i <= MaxClients; i++)
    {
        g_iVomited[i] = 0;
    }
}

public void Event_NowIt(Event event, const char[] name, bool dontBroadcast)
{
    int victim = GetClientOfUserId(event.GetInt("userid"));
    if (victim > 0 && IsClientInGame(victim) && GetClientTeam(victim) == 2)
    {
        g_iVomited[victim]++;
        PrintToChat(victim, "You have been covered in vomit %d time(s) this round.", g_iVomited[victim]);
    }
}
