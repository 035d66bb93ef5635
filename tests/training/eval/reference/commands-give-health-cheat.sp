#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

public void OnPluginStart()
{
    RegAdminCmd("sm_fullhp", Command_FullHp, ADMFLAG_CHEATS, "restore your health");
}

void CheatCommand(int client, const char[] command, const char[] argument)
{
    int flags = GetCommandFlags(command);
    SetCommandFlags(command, flags & ~FCVAR_CHEAT);
    FakeClientCommand(client, "%s %s", command, argument);
    SetCommandFlags(command, flags);
}

public Action Command_FullHp(int client, int args)
{
    if (client == 0 || !IsPlayerAlive(client))
    {
        return Plugin_Handled;
    }
    CheatCommand(client, "give", "health");
    return Plugin_Handled;
}
