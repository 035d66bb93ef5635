#include <sourcemod>
#include <sdktools>

#pragma semicolon 1
#pragma newdecls required

public void OnPluginStart()
{
    RegAdminCmd("sm_tpmenu", Command_TeleportMenu, ADMFLAG_SLAY, "teleport to a survivor");
}

public Action Command_TeleportMenu(int client, int args)
{
    if (client == 0)
    {
        return Plugin_Handled;
    }
    Menu menu = new Menu(Handler_Teleport);
    menu.SetTitle("Teleport to");
    char userid[12];
    char name[MAX_NAME_LENGTH];
    for (int i = 1; i <= MaxClients; i++)
    {
        if (IsClientInGame(i) && GetClientTeam(i) == 2 && IsPlayerAlive(i))
        {
            IntToString(GetClientUserId(i), userid, sizeof(userid));
            GetClientName(i, name, sizeof(name));
            menu.AddItem(userid, name);
        }
    }
    menu.Display(client, 20);
    return Plugin_Handled;
}

public int Handler_Teleport(Menu menu, MenuAction action, int client, int item)
{
    if (action == MenuAction_Select)
    {
        char userid[12];
        menu.GetItem(item, userid, sizeof(userid));
        int target = GetClientOfUserId(StringToInt(userid));
        if (target > 0 && IsClientInGame(target) && IsPlayerAlive(target) && IsPlayerAlive(client))
        {
            float origin[3];
            GetClientAbsOrigin(target, origin);
            TeleportEntity(client, origin, NULL_VECTOR, NULL_VECTOR);
        }
    }
    else if (action == MenuAction_End)
    {
        delete menu;
    }
    return 0;
}
