#include <sourcemod>
#include <sdkhooks>

#pragma semicolon 1
#pragma newdecls required

public void OnPluginStart()
{
    for (int i = 1; i <= MaxClients; i++)
    {
        if (IsClientInGame(i))
        {
            OnClientPutInServer(i);
        }
    }
}

public void OnClientPutInServer(int client)
{
    SDKHook(client, SDKHook_OnTakeDamage, OnTakeDamage);
}

public Action OnTakeDamage(int victim, int &attacker, int &inflictor, float &damage, int &damagetype)
{
    if (attacker > 0 && attacker <= MaxClients && attacker != victim && IsClientInGame(attacker)
        && GetClientTeam(victim) == 2 && GetClientTeam(attacker) == 2)
    {
        damage *= 0.5;
        return Plugin_Changed;
    }
    return Plugin_Continue;
}
