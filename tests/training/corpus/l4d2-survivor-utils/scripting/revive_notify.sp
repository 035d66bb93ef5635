/**
 * Revive Notify: tells the team who went down and who picked them up.
 */
#include <sourcemod>
#include <sdktools>

#pragma semicolon 1
#pragma newdecls required

public Plugin myinfo =
{
    name = "Revive Notify",
    author = "tests",
    description = "Announces incaps, ledge hangs and revives",
    version = "0.9",
    url = ""
};

public void OnPluginStart()
{
    HookEvent("player_incapacitated", Event_Incapacitated);
    HookEvent("revive_success", Event_ReviveSuccess);
    HookEvent("player_ledge_grab", Event_LedgeGrab);
}

public void Event_Incapacitated(Event event, const char[] name, bool dontBroadcast)
{
    int victim = GetClientOfUserId(event.GetInt("userid"));
    if (victim == 0 || !IsClientInGame(victim) || GetClientTeam(victim) != 2)
    {
        return;
    }
    int attacker = GetClientOfUserId(event.GetInt("attacker"));
    if (attacker > 0 && IsClientInGame(attacker))
    {
        PrintToChatAll("\x04%N\x01 was incapacitated by %N.", victim, attacker);
    }
    else
    {
        PrintToChatAll("\x04%N\x01 is down!", victim);
    }
}

public void Event_ReviveSuccess(Event event, const char[] name, bool dontBroadcast)
{
    int rescuer = GetClientOfUserId(event.GetInt("userid"));
    int subject = GetClientOfUserId(event.GetInt("subject"));
    bool ledge = event.GetBool("ledge_hang");
    if (rescuer == 0 || subject == 0)
    {
        return;
    }
    if (ledge)
    {
        PrintToChatAll("\x04%N\x01 pulled %N up from the ledge.", rescuer, subject);
    }
    else
    {
        PrintToChatAll("\x04%N\x01 revived %N.", rescuer, subject);
    }
}

public void Event_LedgeGrab(Event event, const char[] name, bool dontBroadcast)
{
    int client = GetClientOfUserId(event.GetInt("userid"));
    if (client > 0 && IsClientInGame(client))
    {
        PrintHintTextToAll("%N is hanging from a ledge!", client);
    }
}
