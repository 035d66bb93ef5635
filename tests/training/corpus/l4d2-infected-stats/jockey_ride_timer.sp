/**
 * Jockey Ride Timer: measures how long each jockey ride lasts and logs the jockey's model.
 */
#include <sourcemod>
#include <sdktools>

#pragma semicolon 1
#pragma newdecls required

public Plugin myinfo =
{
    name = "Jockey Ride Timer",
    author = "tests",
    description = "Measures jockey ride times",
    version = "0.5",
    url = ""
};

float g_fRideStart[MAXPLAYERS + 1];

public void OnPluginStart()
{
    HookEvent("jockey_ride", Event_JockeyRide);
    HookEvent("jockey_ride_end", Event_JockeyRideEnd);
}

public void Event_JockeyRide(Event event, const char[] name, bool dontBroadcast)
{
    int jockey = GetClientOfUserId(event.GetInt("userid"));
    if (jockey == 0)
    {
        return;
    }
    g_fRideStart[jockey] = GetGameTime();
    char model[PLATFORM_MAX_PATH];
    GetEntPropString(jockey, Prop_Data, "m_ModelName", model, sizeof(model));
    DataPack pack;
    CreateDataTimer(0.5, Timer_CheckRide, pack, TIMER_FLAG_NO_MAPCHANGE);
    pack.WriteCell(GetClientUserId(jockey));
    pack.WriteString(model);
}

public Action Timer_CheckRide(Handle timer, DataPack pack)
{
    pack.Reset();
    int jockey = GetClientOfUserId(pack.ReadCell());
    char model[PLATFORM_MAX_PATH];
    pack.ReadString(model, sizeof(model));
    if (jockey > 0 && IsClientInGame(jockey))
    {
        LogMessage("jockey %N (%s) is riding", jockey, model);
    }
    return Plugin_Stop;
}

public void Event_JockeyRideEnd(Event event, const char[] name, bool dontBroadcast)
{
    int jockey = GetClientOfUserId(event.GetInt("userid"));
    if (jockey == 0 || g_fRideStart[jockey] <= 0.0)
    {
        return;
    }
    float seconds = GetGameTime() - g_fRideStart[jockey];
    g_fRideStart[jockey] = 0.0;
    PrintToChatAll("\x04%N\x01 rode for %.1f seconds.", jockey, seconds);
}
