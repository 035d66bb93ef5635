#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

public void OnPluginStart()
{
    HookEvent("player_incapacitated", Event_Incapacitated);
}

public void Event_Incapacitated(Event event, const char[] name, bool dontBroadcast)
{
    int victim = GetClientOfUserId(event.GetInt("userid"));
    if (victim <= 0 || !IsClientInGame(victim) || GetClientTeam(victim) != 2)
    {
        return;
    }
    int attacker = GetClientOfUserId(event.GetInt("attacker"));
    if (attacker > 0 && IsClientInGame(attacker))
    {
        PrintToChatAll("%N was incapacitated by %N.", victim, attacker);
    }
    else
    {
        PrintToChatAll("%N was incapacitated.", victim);
    }
}
