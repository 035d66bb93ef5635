#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

public void OnPluginStart()
{
    RegConsoleCmd("sm_remind", Command_Remind, "sm_remind <text>: see your text again in 5 seconds");
}

public Action Command_Remind(int client, int args)
{
    if (client == 0 || args < 1)
    {
        ReplyToCommand(client, "Usage: sm_remind <text>");
        return Plugin_Handled;
    }
    char text[192];
    GetCmdArgString(text, sizeof(text));
    DataPack pack;
    CreateDataTimer(5.0, Timer_Remind, pack, TIMER_FLAG_NO_MAPCHANGE);
    pack.WriteCell(GetClientUserId(client));
    pack.WriteString(text);
    ReplyToCommand(client, "I will remind you in 5 seconds.");
    return Plugin_Handled;
}

public Action Timer_Remind(Handle timer, DataPack pack)
{
    pack.Reset();
    int client = GetClientOfUserId(pack.ReadCell());
    char text[192];
    pack.ReadString(text, sizeof(text));
    if (client > 0 && IsClientInGame(client))
    {
        PrintToChat(client, "Reminder: %s", text);
    }
    return Plugin_Stop;
}
