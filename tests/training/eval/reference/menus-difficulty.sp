#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

public void OnPluginStart()
{
    RegAdminCmd("sm_difficulty", Command_Difficulty, ADMFLAG_CHANGEMAP, "choose the difficulty");
}

public Action Command_Difficulty(int client, int args)
{
    if (client == 0)
    {
        return Plugin_Handled;
    }
    Menu menu = new Menu(Handler_Difficulty);
    menu.SetTitle("Difficulty");
    menu.AddItem("Easy", "Easy");
    menu.AddItem("Normal", "Normal");
    menu.AddItem("Hard", "Advanced");
    menu.AddItem("Impossible", "Expert");
    menu.Display(client, MENU_TIME_FOREVER);
    return Plugin_Handled;
}

public int Handler_Difficulty(Menu menu, MenuAction action, int client, int item)
{
    if (action == MenuAction_Select)
    {
        char value[16];
        menu.GetItem(item, value, sizeof(value));
        FindConVar("z_difficulty").SetString(value);
        PrintToChatAll("Difficulty set to %s.", value);
    }
    else if (action == MenuAction_End)
    {
        delete menu;
    }
    return 0;
}
