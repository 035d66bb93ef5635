#include <sourcemod>
#include <sdkhooks>

#pragma semicolon 1
#pragma newdecls required

public void OnClientPutInServer(int client)
{
    SDKHook(client, SDKHook_WeaponSwitchPost, OnWeaponSwitchPost);
}

public void OnWeaponSwitchPost(int client, int weapon)
{
    if (weapon > 0 && IsValidEntity(weapon) && GetClientTeam(client) == 2)
    {
        char classname[64];
        GetEntityClassname(weapon, classname, sizeof(classname));
        PrintToChat(client, "You switched to %s.", classname);
    }
}
