#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

public void OnPluginStart()
{
    HookEvent("defibrillator_used", Event_DefibUsed);
}

public void Event_DefibUsed(Event event, const char[] name, bool dontBroadcast)
{
    int user = GetClientOfUserId(event.GetInt("userid"));
    int subject = GetClientOfUserId(event.GetInt("subject"));
    if (user > 0 && subject > 0 && IsClientInGame(user) && IsClientInGame(subject))
    {
        LogMessage("%N brought %N back with a defibrillator", user, subject);
    }
}
