#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

public void OnPluginStart()
{
    RegConsoleCmd("sm_shout", Command_Shout, "sm_shout <message>");
}

public Action Command_Shout(int client, int args)
{
    if (client == 0 || args < 1)
    {
        ReplyToCommand(client, "Usage: sm_shout <message>");
        return Plugin_Handled;
    }
    char message[192];
    GetCmdArgString(message, sizeof(message));
    StripQuotes(message);
    PrintCenterTextAll("%N: %s", client, message);
    return Plugin_Handled;
}
