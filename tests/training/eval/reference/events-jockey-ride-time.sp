#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

float g_fRideStart[MAXPLAYERS + 1];

public void OnPluginStart()
{
    HookEvent("jockey_ride", Event_JockeyRide);
    HookEvent("jockey_ride_end", Event_JockeyRideEnd);
}

public void Event_JockeyRide(Event event, const char[] name, bool dontBroadcast)
{
    int jockey = GetClientOfUserId(event.GetInt("userid"));
    if (jockey > 0)
    {
        g_fRideStart[jockey] = GetGameTime();
    }
}

public void Event_JockeyRideEnd(Event event, const char[] name, bool dontBroadcast)
{
    int jockey = GetClientOfUserId(event.GetInt("userid"));
    int victim = GetClientOfUserId(event.GetInt("victim"));
    if (jockey > 0 && victim > 0 && IsClientInGame(victim) && g_fRideStart[jockey] > 0.0)
    {
        PrintToChatAll("The jockey rode %N for %.1f seconds.", victim, GetGameTime() - g_fRideStart[jockey]);
        g_fRideStart[jockey] = 0.0;
    }
}
