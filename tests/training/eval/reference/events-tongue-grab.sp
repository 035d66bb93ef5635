#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

public void OnPluginStart()
{
    HookEvent("tongue_grab", Event_TongueGrab);
}

public void Event_TongueGrab(Event event, const char[] name, bool dontBroadcast)
{
    int smoker = GetClientOfUserId(event.GetInt("userid"));
    int victim = GetClientOfUserId(event.GetInt("victim"));
    if (smoker > 0 && victim > 0 && IsClientInGame(smoker) && IsClientInGame(victim))
    {
        PrintToChatAll("%N grabbed %N with the tongue!", smoker, victim);
    }
}
