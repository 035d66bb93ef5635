#include <sourcemod>
public void OnPluginStart() { PrintToServer("hi"); }
