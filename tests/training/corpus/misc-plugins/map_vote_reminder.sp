/**
 * Map Vote Reminder: reminds players how to vote for the next map and shows the time left.
 */
#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

public Plugin myinfo =
{
    name = "Map Vote Reminder",
    author = "tests",
    description = "Reminds players to vote for the next map",
    version = "1.0",
    url = ""
};

ConVar g_cvInterval;
Handle g_hTimer;

public void OnPluginStart()
{
    g_cvInterval = CreateConVar("sm_votereminder_interval", "180", "Seconds between reminders", FCVAR_NOTIFY, true, 30.0);
    RegConsoleCmd("sm_timeleft2", Cmd_TimeLeft, "Shows the time left on this map");
}

public void OnMapStart()
{
    g_hTimer = CreateTimer(g_cvInterval.FloatValue, Timer_Remind, _, TIMER_REPEAT | TIMER_FLAG_NO_MAPCHANGE);
}

public void OnMapEnd()
{
    g_hTimer = null;
}

public Action Timer_Remind(Handle timer)
{
    if (timer != g_hTimer)
    {
        return Plugin_Stop;
    }
    PrintToChatAll("Type !rtv to vote for a map change.");
    return Plugin_Continue;
}

public Action Cmd_TimeLeft(int client, int args)
{
    int seconds;
    if (GetMapTimeLeft(seconds) && seconds > 0)
    {
        ReplyToCommand(client, "Time left: %d:%02d", seconds / 60, seconds % 60);
    }
    else
    {
        ReplyToCommand(client, "This map has no time limit.");
    }
    return Plugin_Handled;
}
