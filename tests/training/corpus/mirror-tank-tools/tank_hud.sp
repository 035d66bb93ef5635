/**
 * Tank HUD: shows the Tank's health to survivors and announces who dealt the most damage.
 */
#include <sourcemod>
#include <sdktools>

#pragma semicolon 1
#pragma newdecls required

#define PLUGIN_VERSION "2.1.0"

public Plugin myinfo =
{
    name = "Tank HUD",
    author = "tests",
    description = "Shows the Tank's health and the top damage dealer",
    version = PLUGIN_VERSION,
    url = ""
};

int g_iDamage[MAXPLAYERS + 1];
ConVar g_cvInterval;

public void OnPluginStart()
{
    g_cvInterval = CreateConVar("sm_tankhud_interval", "2.0", "Seconds between HUD updates", FCVAR_NOTIFY, true, 0.5);
    HookEvent("tank_spawn", Event_TankSpawn);
    HookEvent("player_hurt", Event_PlayerHurt);
    HookEvent("tank_killed", Event_TankKilled);
    AutoExecConfig(true, "tank_hud");
}

public void Event_TankSpawn(Event event, const char[] name, bool dontBroadcast)
{
    int userid = event.GetInt("userid");
    CreateTimer(g_cvInterval.FloatValue, Timer_ShowHealth, userid, TIMER_REPEAT | TIMER_FLAG_NO_MAPCHANGE);
}

public Action Timer_ShowHealth(Handle timer, int userid)
{
    int tank = GetClientOfUserId(userid);
    if (tank == 0 || !IsClientInGame(tank) || !IsPlayerAlive(tank))
    {
        return Plugin_Stop;
    }
    int health = GetEntProp(tank, Prop_Send, "m_iHealth");
    int maxHealth = GetEntProp(tank, Prop_Send, "m_iMaxHealth");
    for (int i = 1; i <= MaxClients; i++)
    {
        if (IsClientInGame(i) && GetClientTeam(i) == 2)
        {
            PrintHintText(i, "Tank: %d / %d HP", health, maxHealth);
        }
    }
    return Plugin_Continue;
}

public void Event_PlayerHurt(Event event, const char[] name, bool dontBroadcast)
{
    int victim = GetClientOfUserId(event.GetInt("userid"));
    int attacker = GetClientOfUserId(event.GetInt("attacker"));
    if (victim == 0 || attacker == 0 || !IsClientInGame(attacker))
    {
        return;
    }
    if (GetEntProp(victim, Prop_Send, "m_zombieClass") == 8)
    {
        g_iDamage[attacker] += event.GetInt("dmg_health");
    }
}

public void Event_TankKilled(Event event, const char[] name, bool dontBroadcast)
{
    int best = 0;
    for (int i = 1; i <= MaxClients; i++)
    {
        if (g_iDamage[i] > g_iDamage[best])
        {
            best = i;
        }
    }
    if (best > 0 && IsClientInGame(best))
    {
        char playerName[MAX_NAME_LENGTH];
        GetClientName(best, playerName, sizeof(playerName));
        PrintToChatAll("\x04[Tank]\x01 %s dealt the most damage: %d", playerName, g_iDamage[best]);
    }
    for (int i = 1; i <= MaxClients; i++)
    {
        g_iDamage[i] = 0;
    }
}
