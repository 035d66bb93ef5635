/**
 * Rock Counter: counts the rocks each Tank throws and how many hit a survivor.
 */
#include <sourcemod>
#include <sdktools>

#pragma semicolon 1
#pragma newdecls required

public Plugin myinfo =
{
    name = "Tank Rock Counter",
    author = "tests",
    description = "Counts Tank rock throws and hits",
    version = "1.0.4-fork",
    url = ""
};

int g_iRocksThrown[MAXPLAYERS + 1];
int g_iHits[MAXPLAYERS + 1];

public void OnPluginStart()
{
    HookEvent("ability_use", Event_AbilityUse);
    HookEvent("player_hurt", Event_PlayerHurt);
    HookEvent("round_start", Event_RoundStart, EventHookMode_PostNoCopy);
    RegConsoleCmd("sm_rocks", Cmd_Rocks, "Rock statistics");
}

public void Event_RoundStart(Event event, const char[] name, bool dontBroadcast)
{
    for (int i = 1; i <= MaxClients; i++)
    {
        g_iRocksThrown[i] = 0;
        g_iHits[i] = 0;
    }
}

public void Event_AbilityUse(Event event, const char[] name, bool dontBroadcast)
{
    char ability[32];
    event.GetString("ability", ability, sizeof(ability));
    if (!StrEqual(ability, "ability_throw"))
    {
        return;
    }
    int tank = GetClientOfUserId(event.GetInt("userid"));
    if (tank > 0)
    {
        g_iRocksThrown[tank]++;
    }
}

public void Event_PlayerHurt(Event event, const char[] name, bool dontBroadcast)
{
    char weapon[32];
    event.GetString("weapon", weapon, sizeof(weapon));
    if (!StrEqual(weapon, "tank_rock"))
    {
        return;
    }
    int tank = GetClientOfUserId(event.GetInt("attacker"));
    if (tank > 0)
    {
        g_iHits[tank]++;
    }
}

public Action Cmd_Rocks(int client, int args)
{
    for (int i = 1; i <= MaxClients; i++)
    {
        if (g_iRocksThrown[i] > 0 && IsClientInGame(i))
        {
            ReplyToCommand(client, "%N: %d thrown, %d hits", i, g_iRocksThrown[i], g_iHits[i]);
        }
    }
    return Plugin_Handled;
}
