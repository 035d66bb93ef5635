#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

public void OnPluginStart()
{
    HookEvent("lunge_pounce", Event_LungePounce);
}

public void Event_LungePounce(Event event, const char[] name, bool dontBroadcast)
{
    int victim = GetClientOfUserId(event.GetInt("victim"));
    if (victim > 0 && IsClientInGame(victim))
    {
        PrintToChatAll("A hunter pounced on %N!", victim);
    }
}
