/**
 * Pounce Announce: announces hunter pounces with their distance and damage, and gives long
 * pounces a short speed boost.
 */
#include <sourcemod>
#include <sdktools>

#pragma semicolon 1
#pragma newdecls required

public Plugin myinfo =
{
    name = "Pounce Announce",
    author = "tests",
    description = "Announces hunter pounce distance and damage",
    version = "3.0",
    url = ""
};

ConVar g_cvMinDistance;
float g_fBest[MAXPLAYERS + 1];

public void OnPluginStart()
{
    g_cvMinDistance = CreateConVar("sm_pounce_min_distance", "500", "Shortest pounce worth announcing");
    HookEvent("lunge_pounce", Event_LungePounce);
    HookEvent("tongue_grab", Event_TongueGrab);
    RegConsoleCmd("sm_bestpounce", Cmd_BestPounce);
}

public void Event_LungePounce(Event event, const char[] name, bool dontBroadcast)
{
    int hunter = GetClientOfUserId(event.GetInt("userid"));
    int victim = GetClientOfUserId(event.GetInt("victim"));
    int distance = event.GetInt("distance");
    if (hunter == 0 || victim == 0 || distance < g_cvMinDistance.IntValue)
    {
        return;
    }
    if (distance > g_fBest[hunter])
    {
        g_fBest[hunter] = float(distance);
    }
    PrintToChatAll("\x04%N\x01 pounced \x04%N\x01 from %d units.", hunter, victim, distance);
    float boost = GetRandomFloat(1.1, 1.3);
    SetEntPropFloat(hunter, Prop_Send, "m_flLaggedMovementValue", boost);
    CreateTimer(3.0, Timer_ResetSpeed, GetClientUserId(hunter), TIMER_FLAG_NO_MAPCHANGE);
}

public Action Timer_ResetSpeed(Handle timer, int userid)
{
    int client = GetClientOfUserId(userid);
    if (client > 0 && IsClientInGame(client))
    {
        SetEntPropFloat(client, Prop_Send, "m_flLaggedMovementValue", 1.0);
    }
    return Plugin_Stop;
}

public void Event_TongueGrab(Event event, const char[] name, bool dontBroadcast)
{
    int smoker = GetClientOfUserId(event.GetInt("userid"));
    int victim = GetClientOfUserId(event.GetInt("victim"));
    if (smoker > 0 && victim > 0)
    {
        PrintHintText(victim, "A smoker has you! Shoot the tongue.");
    }
}

public Action Cmd_BestPounce(int client, int args)
{
    if (client == 0)
    {
        return Plugin_Handled;
    }
    ReplyToCommand(client, "Your best pounce: %.0f units", g_fBest[client]);
    return Plugin_Handled;
}
