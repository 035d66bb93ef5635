#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

bool g_bWarned[MAXPLAYERS + 1];

public void OnMapStart()
{
    CreateTimer(1.0, Timer_CheckLedges, _, TIMER_REPEAT | TIMER_FLAG_NO_MAPCHANGE);
}

public Action Timer_CheckLedges(Handle timer)
{
    for (int i = 1; i <= MaxClients; i++)
    {
        bool hanging = IsClientInGame(i) && GetClientTeam(i) == 2 && IsPlayerAlive(i)
            && GetEntProp(i, Prop_Send, "m_isHangingFromLedge") != 0;
        if (hanging && !g_bWarned[i])
        {
            for (int j = 1; j <= MaxClients; j++)
            {
                if (j != i && IsClientInGame(j) && GetClientTeam(j) == 2)
                {
                    PrintToChat(j, "%N is hanging from a ledge!", i);
                }
            }
        }
        g_bWarned[i] = hanging;
    }
    return Plugin_Continue;
}
