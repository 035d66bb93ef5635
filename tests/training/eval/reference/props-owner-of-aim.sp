#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

public void OnPluginStart()
{
    RegConsoleCmd("sm_whoowns", Command_WhoOwns, "who owns the entity you are looking at");
}

public Action Command_WhoOwns(int client, int args)
{
    if (client == 0)
    {
        return Plugin_Handled;
    }
    int entity = GetClientAimTarget(client, false);
    if (entity <= 0 || !IsValidEntity(entity))
    {
        ReplyToCommand(client, "You are not looking at an entity.");
        return Plugin_Handled;
    }
    int owner = GetEntPropEnt(entity, Prop_Send, "m_hOwnerEntity");
    if (owner > 0 && owner <= MaxClients && IsClientInGame(owner))
    {
        ReplyToCommand(client, "It belongs to %N.", owner);
    }
    else
    {
        ReplyToCommand(client, "Nobody owns it.");
    }
    return Plugin_Handled;
}
