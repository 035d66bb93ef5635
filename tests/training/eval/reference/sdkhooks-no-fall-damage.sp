#include <sourcemod>
#include <sdkhooks>

#pragma semicolon 1
#pragma newdecls required

public void OnClientPutInServer(int client)
{
    SDKHook(client, SDKHook_OnTakeDamage, OnTakeDamage);
}

public Action OnTakeDamage(int victim, int &attacker, int &inflictor, float &damage, int &damagetype)
{
    if ((damagetype & DMG_FALL) && GetClientTeam(victim) == 2)
    {
        return Plugin_Handled;
    }
    return Plugin_Continue;
}
