/**
 * Witch Alert: warns survivors when a witch is startled and reports who killed her.
 * (Written with a wrong event name that the sanitiser's fixes repair.)
 */
#include <sourcemod>
#include <sdktools>

#pragma semicolon 1
#pragma newdecls required

public Plugin myinfo =
{
    name = "Witch Alert",
    author = "tests",
    description = "Warns when a witch is startled and announces her killer",
    version = "1.1",
    url = ""
};

public void OnPluginStart()
{
    HookEvent("witch_harasser_set", Event_WitchHarasser);
    HookEvent("witch_death", Event_WitchKilled);
}

public void Event_WitchHarasser(Event event, const char[] name, bool dontBroadcast)
{
    int client = GetClientOfUserId(event.GetInt("userid"));
    if (client > 0 && IsClientInGame(client))
    {
        PrintToChatAll("\x04%N\x01 startled the witch! Run!", client);
    }
}

public void Event_WitchKilled(Event event, const char[] name, bool dontBroadcast)
{
    int killer = GetClientOfUserId(event.GetInt("userid"));
    bool oneshot = event.GetBool("oneshot");
    if (killer == 0 || !IsClientInGame(killer))
    {
        return;
    }
    if (oneshot)
    {
        PrintToChatAll("\x04%N\x01 crowned the witch!", killer);
    }
    else
    {
        PrintToChatAll("\x04%N\x01 killed the witch.", killer);
    }
}
