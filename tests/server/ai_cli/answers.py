"""Model answers the tests replay: one with known-wrong APIs, one clean, one that does not parse."""

FLAWED_PLUGIN = """Here is the plugin:

```sourcepawn
#pragma semicolon 1
#pragma newdecls required
#include <sourcemod>

public void OnPluginStart()
{
    HookEvent("pounce", Event_Pounce);
}

public void Event_Pounce(Event event, const char[] name, bool dontBroadcast)
{
    int client = GetClientOfUserId(event.GetInt("userid"));
    float chance = RandomFloat(0.0, 1.0);
    PrintToServer("%f", chance);
    CreateTimer(1.0, Timer_Hello, client);
}

public Action Timer_Hello(Handle timer, any client)
{
    PrintToChat(client, "pounced!");
    return Plugin_Stop;
}
```
"""

CLEAN_PLUGIN = """```sourcepawn
#pragma semicolon 1
#pragma newdecls required
#include <sourcemod>

public void OnPluginStart()
{
    PrintToServer("hello");
}
```"""

BROKEN_PLUGIN = """```sourcepawn
#include <sourcemod>

public void OnPluginStart(
{
    PrintToServer("unbalanced";
```"""
