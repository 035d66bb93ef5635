/**
 * Tank Announcer: tells everyone who killed the Tank and how much damage each survivor did.
 * A clean plugin: spcopilot check reports nothing here.
 */
#include <sourcemod>
#include <sdktools>

#pragma semicolon 1
#pragma newdecls required

#define PLUGIN_VERSION "1.2.0"

public Plugin myinfo =
{
    name = "Tank Announcer",
    author = "SourcePawn Copilot examples",
    description = "Announces Tank spawns, kills and survivor damage",
    version = PLUGIN_VERSION,
    url = ""
};

int g_iTankDamage[MAXPLAYERS + 1];
ConVar g_cvEnabled;

public void OnPluginStart()
{
    g_cvEnabled = CreateConVar("sm_tank_announcer_enable", "1", "Enable the announcer", FCVAR_NOTIFY, true, 0.0, true, 1.0);
    HookEvent("tank_spawn", Event_TankSpawn);
    HookEvent("player_hurt", Event_PlayerHurt);
    HookEvent("tank_killed", Event_TankKilled);
    HookEvent("round_start", Event_RoundStart, EventHookMode_PostNoCopy);
    LoadTranslations("common.phrases");
}

public void Event_RoundStart(Event event, const char[] name, bool dontBroadcast)
{
    for (int i = 1; i <= MaxClients; i++)
    {
        g_iTankDamage[i] = 0;
    }
}

public void Event_TankSpawn(Event event, const char[] name, bool dontBroadcast)
{
    if (!g_cvEnabled.BoolValue)
    {
        return;
    }
    int tank = GetClientOfUserId(event.GetInt("userid"));
    if (tank > 0 && IsClientInGame(tank))
    {
        PrintToChatAll("\x04[Tank]\x01 A Tank has spawned! (%N)", tank);
    }
    CreateTimer(10.0, Timer_Remind, event.GetInt("userid"), TIMER_FLAG_NO_MAPCHANGE);
}

public Action Timer_Remind(Handle timer, int userid)
{
    int tank = GetClientOfUserId(userid);
    if (tank == 0 || !IsClientInGame(tank) || !IsPlayerAlive(tank))
    {
        return Plugin_Stop;
    }
    int health = GetEntProp(tank, Prop_Send, "m_iHealth");
    PrintHintTextToAll("Tank health: %d", health);
    return Plugin_Stop;
}

public void Event_PlayerHurt(Event event, const char[] name, bool dontBroadcast)
{
    int victim = GetClientOfUserId(event.GetInt("userid"));
    int attacker = GetClientOfUserId(event.GetInt("attacker"));
    if (victim == 0 || attacker == 0 || !IsClientInGame(victim) || GetClientTeam(attacker) != 2)
    {
        return;
    }
    if (GetEntProp(victim, Prop_Send, "m_zombieClass") == 8)
    {
        g_iTankDamage[attacker] += event.GetInt("dmg_health");
    }
}

public void Event_TankKilled(Event event, const char[] name, bool dontBroadcast)
{
    int killer = GetClientOfUserId(event.GetInt("attacker"));
    char killerName[MAX_NAME_LENGTH] = "the world";
    if (killer > 0 && IsClientInGame(killer))
    {
        GetClientName(killer, killerName, sizeof(killerName));
    }
    PrintToChatAll("\x04[Tank]\x01 The Tank was killed by %s.", killerName);
    for (int i = 1; i <= MaxClients; i++)
    {
        if (g_iTankDamage[i] > 0 && IsClientInGame(i))
        {
            PrintToChatAll("  %N: %d damage", i, g_iTankDamage[i]);
        }
        g_iTankDamage[i] = 0;
    }
}
