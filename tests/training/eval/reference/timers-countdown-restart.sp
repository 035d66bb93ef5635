#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

Handle g_hCountdown = null;
int g_iSecondsLeft;

public void OnPluginStart()
{
    RegAdminCmd("sm_countdown", Command_Countdown, ADMFLAG_GENERIC, "start (or restart) a 10 second countdown");
}

public void OnMapEnd()
{
    g_hCountdown = null;
}

public Action Command_Countdown(int client, int args)
{
    delete g_hCountdown;
    g_iSecondsLeft = 10;
    g_hCountdown = CreateTimer(1.0, Timer_Countdown, _, TIMER_REPEAT | TIMER_FLAG_NO_MAPCHANGE);
    return Plugin_Handled;
}

public Action Timer_Countdown(Handle timer)
{
    if (g_iSecondsLeft <= 0)
    {
        PrintCenterTextAll("Go!");
        g_hCountdown = null;
        return Plugin_Stop;
    }
    PrintCenterTextAll("%d", g_iSecondsLeft);
    g_iSecondsLeft--;
    return Plugin_Continue;
}
