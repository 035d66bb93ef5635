#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

public void OnPluginStart()
{
    LoadTranslations("common.phrases");
    RegAdminCmd("sm_sethp", Command_SetHp, ADMFLAG_SLAY, "sm_sethp <target> <amount>");
}

public Action Command_SetHp(int client, int args)
{
    if (args < 2)
    {
        ReplyToCommand(client, "Usage: sm_sethp <target> <amount>");
        return Plugin_Handled;
    }
    char pattern[64];
    GetCmdArg(1, pattern, sizeof(pattern));
    int amount = GetCmdArgInt(2);
    char targetName[MAX_TARGET_LENGTH];
    int targets[MAXPLAYERS];
    bool tnIsMl;
    int count = ProcessTargetString(pattern, client, targets, sizeof(targets), COMMAND_FILTER_ALIVE, targetName, sizeof(targetName), tnIsMl);
    if (count <= 0)
    {
        ReplyToTargetError(client, count);
        return Plugin_Handled;
    }
    for (int i = 0; i < count; i++)
    {
        SetEntityHealth(targets[i], amount);
    }
    ReplyToCommand(client, "Set the health of %s to %d.", targetName, amount);
    return Plugin_Handled;
}
