#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

public void OnPluginStart()
{
    RegAdminCmd("sm_slayinfected", Command_SlayInfected, ADMFLAG_SLAY, "slay every infected player");
}

public Action Command_SlayInfected(int client, int args)
{
    int slain = 0;
    for (int i = 1; i <= MaxClients; i++)
    {
        if (IsClientInGame(i) && GetClientTeam(i) == 3 && IsPlayerAlive(i))
        {
            ForcePlayerSuicide(i);
            slain++;
        }
    }
    ReplyToCommand(client, "Slain %d infected player(s).", slain);
    return Plugin_Handled;
}
