#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

int g_iKills[MAXPLAYERS + 1];
int g_iDeaths[MAXPLAYERS + 1];

public void OnPluginStart()
{
    HookEvent("player_death", Event_PlayerDeath);
    HookEvent("round_start", Event_RoundStart, EventHookMode_PostNoCopy);
    RegConsoleCmd("sm_mystats", Command_MyStats, "your kills and deaths this round");
}

public void Event_RoundStart(Event event, const char[] name, bool dontBroadcast)
{
    for (int i = 1; i <= MaxClients; i++)
    {
        g_iKills[i] = 0;
        g_iDeaths[i] = 0;
    }
}

public void Event_PlayerDeath(Event event, const char[] name, bool dontBroadcast)
{
    int victim = GetClientOfUserId(event.GetInt("userid"));
    int attacker = GetClientOfUserId(event.GetInt("attacker"));
    if (victim > 0)
    {
        g_iDeaths[victim]++;
    }
    if (attacker > 0 && attacker != victim)
    {
        g_iKills[attacker]++;
    }
}

public Action Command_MyStats(int client, int args)
{
    if (client == 0)
    {
        return Plugin_Handled;
    }
    Panel panel = new Panel();
    panel.SetTitle("Your stats this round");
    char line[64];
    FormatEx(line, sizeof(line), "Kills: %d", g_iKills[client]);
    panel.DrawText(line);
    FormatEx(line, sizeof(line), "Deaths: %d", g_iDeaths[client]);
    panel.DrawText(line);
    panel.DrawItem("Close");
    panel.Send(client, Handler_Panel, 15);
    delete panel;
    return Plugin_Handled;
}

public int Handler_Panel(Menu menu, MenuAction action, int client, int item)
{
    return 0;
}
