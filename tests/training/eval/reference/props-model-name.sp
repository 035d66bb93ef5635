#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

public void OnPluginStart()
{
    RegConsoleCmd("sm_model", Command_Model, "print the model of the entity you are aiming at");
}

public Action Command_Model(int client, int args)
{
    if (client == 0)
    {
        return Plugin_Handled;
    }
    int entity = GetClientAimTarget(client, false);
    if (entity <= 0 || !IsValidEntity(entity))
    {
        ReplyToCommand(client, "You are not aiming at an entity.");
        return Plugin_Handled;
    }
    char model[PLATFORM_MAX_PATH];
    GetEntPropString(entity, Prop_Data, "m_ModelName", model, sizeof(model));
    ReplyToCommand(client, "Model: %s", model);
    return Plugin_Handled;
}
