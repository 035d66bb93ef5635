#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

int g_iKills[MAXPLAYERS + 1];

public void OnPluginStart()
{
    HookEvent("player_death", Event_PlayerDeath);
    HookEvent("round_start", Event_RoundStart, EventHookMode_PostNoCopy);
    RegConsoleCmd("sm_kills", Command_Kills, "your special infected kills this round");
}

public void Event_RoundStart(Event event, const char[] name, bool dontBroadcast)
{
    for (int i = 1; i <= MaxClients; i++)
    {
        g_iKills[i] = 0;
    }
}

public void Event_PlayerDeath(Event event, const char[] name, bool dontBroadcast)
{
    int victim = GetClientOfUserId(event.GetInt("userid"));
    int attacker = GetClientOfUserId(event.GetInt("attacker"));
    if (victim > 0 && attacker > 0 && attacker != victim && IsClientInGame(victim) && GetClientTeam(victim) == 3)
    {
        g_iKills[attacker]++;
    }
}

public Action Command_Kills(int client, int args)
{
    if (client > 0)
    {
        ReplyToCommand(client, "You killed %d special infected this round.", g_iKills[client]);
    }
    return Plugin_Handled;
}
