/**
 * Smoker Pull Notify: tells a survivor who pulled them, in the old SourcePawn syntax
 * (the dataset converts it to the modern syntax before the model sees it).
 */
#include <sourcemod>

#pragma semicolon 1

new Handle:g_hEnabled = INVALID_HANDLE;
new g_iPulls[MAXPLAYERS + 1];

public Plugin:myinfo =
{
    name = "Smoker Pull Notify",
    author = "tests",
    description = "Tells survivors which Smoker pulled them",
    version = "0.9",
    url = ""
};

public OnPluginStart()
{
    g_hEnabled = CreateConVar("sm_pullnotify_enable", "1", "Turn the notices on or off", FCVAR_NOTIFY);
    HookEvent("tongue_grab", Event_TongueGrab);
    RegConsoleCmd("sm_pulls", Cmd_Pulls, "Shows how often you were pulled");
}

public Event_TongueGrab(Handle:event, const String:name[], bool:dontBroadcast)
{
    if (!GetConVarBool(g_hEnabled))
    {
        return;
    }
    new smoker = GetClientOfUserId(GetEventInt(event, "userid"));
    new victim = GetClientOfUserId(GetEventInt(event, "victim"));
    if (victim > 0 && smoker > 0 && IsClientInGame(victim))
    {
        g_iPulls[victim]++;
        PrintToChat(victim, "%N pulled you (%d times so far).", smoker, g_iPulls[victim]);
    }
}

public Action:Cmd_Pulls(client, args)
{
    if (client > 0)
    {
        ReplyToCommand(client, "You were pulled %d times.", g_iPulls[client]);
    }
    return Plugin_Handled;
}
