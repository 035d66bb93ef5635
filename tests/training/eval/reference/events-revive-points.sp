#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

int g_iPoints[MAXPLAYERS + 1];

public void OnPluginStart()
{
    HookEvent("revive_success", Event_ReviveSuccess);
}

public void OnClientDisconnect(int client)
{
    g_iPoints[client] = 0;
}

public void Event_ReviveSuccess(Event event, const char[] name, bool dontBroadcast)
{
    int reviver = GetClientOfUserId(event.GetInt("userid"));
    int subject = GetClientOfUserId(event.GetInt("subject"));
    if (reviver > 0 && subject > 0 && reviver != subject && IsClientInGame(reviver))
    {
        g_iPoints[reviver] += 10;
        PrintToChat(reviver, "+10 points for reviving %N (total: %d).", subject, g_iPoints[reviver]);
    }
}
