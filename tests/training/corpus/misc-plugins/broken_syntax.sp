/**
 * Half-written plugin: does not parse.
 */
#include <sourcemod>

public void OnPluginStart()
{
    HookEvent("player_death", Event_PlayerDeath;
    RegConsoleCmd("sm_deaths", Cmd_Deaths);
}

public void Event_PlayerDeath(Event event, const char[] name, bool dontBroadcast
{
    int victim = GetClientOfUserId(event.GetInt("userid"));
    if (victim > 0 {
        PrintToChatAll("%N died", victim);
}
