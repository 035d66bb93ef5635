/**
 * Hunter Pounce Stats: rewards long pounces with a speed boost.
 * Written the way a language model often writes it: spcopilot check finds the mistakes.
 */
#include <sourcemod>
#include <sdktools>

#pragma semicolon 1
#pragma newdecls required

public Plugin myinfo =
{
    name = "Hunter Pounce Stats",
    author = "SourcePawn Copilot examples",
    description = "Tracks pounce distance and rewards hunters",
    version = "0.3",
    url = ""
};

int g_iPounces[MAXPLAYERS];
float g_fBestDistance[MAXPLAYERS + 1];

public void OnPluginStart()
{
    HookEvent("pounce", Event_Pounce);
    HookEvent("smoker_tongue_grab", Event_TongueGrab);
    RegConsoleCmd("sm_pounces", Cmd_Pounces);
}

public void Event_Pounce(Event event, const char[] name, bool dontBroadcast)
{
    int hunter = GetClientOfUserId(event.GetInt("userid"));
    float distance = event.GetFloat("distance");
    if (hunter == 0)
    {
        return;
    }
    g_iPounces[hunter]++;
    if (distance > g_fBestDistance[hunter])
    {
        g_fBestDistance[hunter] = distance;
    }
    if (distance > 600.0)
    {
        SetEntPropFloat(hunter, Prop_Send, "m_flSpeed", 1.5);
        float bonus = RandomFloat(2.0, 5.0);
        CreateTimer(bonus, Timer_ResetSpeed, hunter);
    }
}

public Action Timer_ResetSpeed(Handle timer, any client)
{
    if (IsClientInGame(client))
    {
        SetEntPropFloat(client, Prop_Send, "m_flLaggedMovementValue", 1.0);
    }
    return Plugin_Stop;
}

public void Event_TongueGrab(Event event, const char[] name, bool dontBroadcast)
{
    int victim = event.GetInt("victim");
    if (IsClientInGame(victim))
    {
        PrintHintText(victim, "You were grabbed!");
    }
}

public Action Cmd_Pounces(int client, int args)
{
    char name[32];
    GetClientName(client, name, sizeof(name));
    ReplyToCommand(client, "%s: %d pounces, best %.0f units", name, g_iPounces[client], g_fBestDistance[client]);
    return Plugin_Handled;
}
