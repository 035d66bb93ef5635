#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

public void OnPluginStart()
{
    HookEvent("witch_killed", Event_WitchKilled);
}

public void Event_WitchKilled(Event event, const char[] name, bool dontBroadcast)
{
    int killer = GetClientOfUserId(event.GetInt("userid"));
    if (killer > 0 && IsClientInGame(killer))
    {
        PrintToChatAll("%N killed the witch%s", killer, event.GetBool("oneshot") ? " with one shot!" : ".");
    }
}
