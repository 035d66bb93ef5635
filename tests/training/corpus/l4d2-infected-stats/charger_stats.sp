/**
 * Charger Stats: tracks charger carries and impacts; admins can reset them or kick a griefer.
 */
#include <sourcemod>
#include <sdktools>

#pragma semicolon 1
#pragma newdecls required

public Plugin myinfo =
{
    name = "Charger Stats",
    author = "tests",
    description = "Tracks charger carries and impacts",
    version = "1.2",
    url = ""
};

int g_iCarries[MAXPLAYERS + 1];
int g_iImpacts[MAXPLAYERS + 1];

public void OnPluginStart()
{
    HookEvent("charger_carry_start", Event_CarryStart);
    HookEvent("charger_impact", Event_Impact);
    RegAdminCmd("sm_charger_reset", Cmd_Reset, ADMFLAG_GENERIC, "Resets the charger statistics");
    RegAdminCmd("sm_charger_kick", Cmd_Kick, ADMFLAG_KICK, "Kicks a player by name");
    LoadTranslations("common.phrases");
}

public void Event_CarryStart(Event event, const char[] name, bool dontBroadcast)
{
    int charger = GetClientOfUserId(event.GetInt("userid"));
    int victim = GetClientOfUserId(event.GetInt("victim"));
    if (charger == 0 || victim == 0)
    {
        return;
    }
    g_iCarries[charger]++;
    int owner = GetEntPropEnt(victim, Prop_Send, "m_carryAttacker");
    if (owner == charger)
    {
        PrintHintText(victim, "You are being carried by a charger!");
    }
}

public void Event_Impact(Event event, const char[] name, bool dontBroadcast)
{
    int charger = GetClientOfUserId(event.GetInt("userid"));
    if (charger > 0)
    {
        g_iImpacts[charger]++;
    }
}

public Action Cmd_Reset(int client, int args)
{
    for (int i = 1; i <= MaxClients; i++)
    {
        g_iCarries[i] = 0;
        g_iImpacts[i] = 0;
    }
    ReplyToCommand(client, "Charger statistics reset.");
    return Plugin_Handled;
}

public Action Cmd_Kick(int client, int args)
{
    if (args < 1)
    {
        ReplyToCommand(client, "Usage: sm_charger_kick <name>");
        return Plugin_Handled;
    }
    char arg[MAX_NAME_LENGTH];
    GetCmdArg(1, arg, sizeof(arg));
    int target = FindTarget(client, arg, true, false);
    if (target > 0)
    {
        KickClient(target, "Kicked by an admin");
    }
    return Plugin_Handled;
}
