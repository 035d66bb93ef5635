#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

public void OnPluginStart()
{
    HookEvent("charger_carry_start", Event_CarryStart);
    HookEvent("charger_carry_end", Event_CarryEnd);
}

public void Event_CarryStart(Event event, const char[] name, bool dontBroadcast)
{
    int victim = GetClientOfUserId(event.GetInt("victim"));
    if (victim > 0 && IsClientInGame(victim))
    {
        PrintToChatAll("A charger is carrying %N away!", victim);
    }
}

public void Event_CarryEnd(Event event, const char[] name, bool dontBroadcast)
{
    int victim = GetClientOfUserId(event.GetInt("victim"));
    if (victim > 0 && IsClientInGame(victim))
    {
        PrintToChatAll("The charger let go of %N.", victim);
    }
}
