#include <sourcemod>
#include <sdktools>

#pragma semicolon 1
#pragma newdecls required

public void OnPluginStart()
{
    RegConsoleCmd("sm_guns", Command_Guns, "choose a weapon");
}

public Action Command_Guns(int client, int args)
{
    if (client == 0 || GetClientTeam(client) != 2 || !IsPlayerAlive(client))
    {
        return Plugin_Handled;
    }
    Menu menu = new Menu(Handler_Guns);
    menu.SetTitle("Weapons");
    menu.AddItem("weapon_rifle", "Assault rifle");
    menu.AddItem("weapon_autoshotgun", "Auto shotgun");
    menu.AddItem("weapon_hunting_rifle", "Hunting rifle");
    menu.Display(client, 20);
    return Plugin_Handled;
}

public int Handler_Guns(Menu menu, MenuAction action, int client, int item)
{
    if (action == MenuAction_Select)
    {
        char weapon[32];
        menu.GetItem(item, weapon, sizeof(weapon));
        if (IsClientInGame(client) && IsPlayerAlive(client))
        {
            GivePlayerItem(client, weapon);
        }
    }
    else if (action == MenuAction_End)
    {
        delete menu;
    }
    return 0;
}
