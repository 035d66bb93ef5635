#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

ConVar g_cvRadius;
int g_iStartles[MAXPLAYERS + 1];

public void OnPluginStart()
{
    g_cvRadius = CreateConVar("sm_witch_warning_radius", "500.0", "How close a survivor must be to be warned");
    HookEvent("witch_harasser_set", Event_WitchHarasserSet);
    HookEvent("witch_killed", Event_WitchKilled);
    HookEvent("round_start", Event_RoundStart, EventHookMode_PostNoCopy);
}

public void Event_RoundStart(Event event, const char[] name, bool dontBroadcast)
{
    for (int i = 1; i <= MaxClients; i++)
    {
        g_iStartles[i] = 0;
    }
}

public void Event_WitchHarasserSet(Event event, const char[] name, bool dontBroadcast)
{
    int client = GetClientOfUserId(event.GetInt("userid"));
    if (client == 0 || !IsClientInGame(client))
    {
        return;
    }
    g_iStartles[client]++;
    PrintToChatAll("%N startled the witch! (%d this round)", client, g_iStartles[client]);
    if (g_iStartles[client] > 2)
    {
        PrintToChat(client, "Stop startling the witch.");
        LogMessage("%N startled the witch %d times", client, g_iStartles[client]);
    }
}

public void Event_WitchKilled(Event event, const char[] name, bool dontBroadcast)
{
    int killer = GetClientOfUserId(event.GetInt("userid"));
    bool oneShot = event.GetBool("oneshot");
    if (killer > 0 && IsClientInGame(killer))
    {
        PrintToChatAll("%N killed the witch%s", killer, oneShot ? " in one shot!" : ".");
    }
}
