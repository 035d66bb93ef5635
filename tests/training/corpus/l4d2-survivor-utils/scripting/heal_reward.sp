/**
 * Heal Reward: survivors who heal a teammate get a little temporary health back.
 */
#include <sourcemod>
#include <sdktools>

#pragma semicolon 1
#pragma newdecls required

public Plugin myinfo =
{
    name = "Heal Reward",
    author = "tests",
    description = "Rewards survivors who heal their teammates",
    version = "1.4",
    url = ""
};

ConVar g_cvMin;
ConVar g_cvMax;
int g_iHealsGiven[MAXPLAYERS + 1];

public void OnPluginStart()
{
    g_cvMin = CreateConVar("sm_healreward_min", "5", "Smallest reward", FCVAR_NOTIFY, true, 0.0);
    g_cvMax = CreateConVar("sm_healreward_max", "15", "Largest reward", FCVAR_NOTIFY, true, 0.0);
    HookEvent("heal_success", Event_HealSuccess);
    HookEvent("map_transition", Event_MapTransition, EventHookMode_PostNoCopy);
}

public void OnClientPutInServer(int client)
{
    g_iHealsGiven[client] = 0;
}

public void Event_HealSuccess(Event event, const char[] name, bool dontBroadcast)
{
    int healer = GetClientOfUserId(event.GetInt("userid"));
    int subject = GetClientOfUserId(event.GetInt("subject"));
    if (healer == 0 || subject == 0 || healer == subject || !IsClientInGame(healer))
    {
        return;
    }
    g_iHealsGiven[healer]++;
    int reward = GetRandomInt(g_cvMin.IntValue, g_cvMax.IntValue);
    int health = GetClientHealth(healer) + reward;
    if (health > 100)
    {
        health = 100;
    }
    SetEntityHealth(healer, health);
    char healerName[MAX_NAME_LENGTH];
    GetClientName(healer, healerName, sizeof(healerName));
    PrintToChatAll("\x05%s\x01 healed a teammate and got %d health.", healerName, reward);
}

public void Event_MapTransition(Event event, const char[] name, bool dontBroadcast)
{
    for (int i = 1; i <= MaxClients; i++)
    {
        if (g_iHealsGiven[i] > 0 && IsClientInGame(i))
        {
            PrintToChat(i, "You healed %d teammates this chapter.", g_iHealsGiven[i]);
        }
        g_iHealsGiven[i] = 0;
    }
}
