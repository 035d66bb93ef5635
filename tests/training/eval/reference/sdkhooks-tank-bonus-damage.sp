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
    if (attacker > 0 && attacker <= MaxClients && IsClientInGame(attacker) && GetClientTeam(attacker) == 2
        && GetClientTeam(victim) == 3 && GetEntProp(victim, Prop_Send, "m_zombieClass") == 8)
    {
        damage += 10.0;
        return Plugin_Changed;
    }
    return Plugin_Continue;
}
