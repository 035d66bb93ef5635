#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

public void OnClientPostAdminCheck(int client)
{
    if (IsFakeClient(client))
    {
        return;
    }
    char auth[MAX_AUTHID_LENGTH];
    if (GetClientAuthId(client, AuthId_Steam2, auth, sizeof(auth)))
    {
        PrintToChatAll("Welcome %N (%s)!", client, auth);
    }
}
