from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Match, Rule

BLOCKING = ("SQL_Query", "SQL_FastQuery", "SQL_Connect", "SQL_DefConnect", "SQL_PrepareQuery", "SQL_Execute")
GAMEPLAY_FORWARDS = frozenset(
    {
        "OnGameFrame",
        "OnPlayerRunCmd",
        "OnPlayerRunCmdPost",
        "OnClientPutInServer",
        "OnClientPostAdminCheck",
        "OnClientDisconnect",
        "OnClientDisconnect_Post",
        "OnClientSayCommand",
        "OnClientSayCommand_Post",
        "OnTakeDamage",
    }
)
_CALLBACKS = {
    "CreateTimer": "a timer callback",
    "CreateDataTimer": "a timer callback",
    "RegConsoleCmd": "a command callback",
    "RegAdminCmd": "a command callback",
    "AddCommandListener": "a command listener",
    "SDKHook": "an SDKHook callback",
    "SDKHookEx": "an SDKHook callback",
}


def gameplay_role(function: str, ctx: Context) -> str | None:
    """What makes a function run during play (an event hook, a timer, a command, ...), or None."""
    if function in GAMEPLAY_FORWARDS:
        return "a forward"
    if ctx.model.hooks_of(function):
        return "an event callback"
    for r in ctx.model.registrations:
        if r.callback == function and r.function in _CALLBACKS:
            return _CALLBACKS[r.function]
    return None


class BlockingSqlInGameplay(Rule):
    code = "SPC502"
    name = "blocking-sql-in-gameplay"
    severity = Severity.WARNING
    item_local = True
    summary = "A blocking SQL call in code that runs during play"
    docs = """
## What it does
Flags `SQL_Query`, `SQL_FastQuery`, `SQL_Connect`, `SQL_DefConnect`, `SQL_PrepareQuery` and
`SQL_Execute` inside event callbacks, timer callbacks, command callbacks and listeners,
SDKHook callbacks and the forwards `OnGameFrame`, `OnPlayerRunCmd`, `OnClientPutInServer`,
`OnClientPostAdminCheck`, `OnClientDisconnect`, `OnClientSayCommand` and `OnTakeDamage`.
Startup code (`OnPluginStart`, `OnConfigsExecuted`, `AskPluginLoad2`) is not checked, and in
`RegAdminCmd`-only callbacks (rare, admin-run maintenance) the finding is only a hint.

## Why is this bad?
These calls wait for the database on the server's main thread: every player freezes until the
query returns, and a slow or remote database turns into lag spikes or a hung server.

## Example
```sourcepawn
public void OnClientPostAdminCheck(int client)
{
    char query[256];
    FormatEx(query, sizeof(query), "SELECT points FROM players WHERE id = %d", GetSteamAccountID(client));
    DBResultSet rs = SQL_Query(g_hDB, query);
    ...
}
```

## Use instead
```sourcepawn
g_hDB.Query(OnPointsLoaded, query, GetClientUserId(client));

public void OnPointsLoaded(Database db, DBResultSet results, const char[] error, any userid)
{
    int client = GetClientOfUserId(userid);
    if (client == 0 || results == null)
        return;
    ...
}
```
"""
    calls = frozenset(BLOCKING)
    call_query = f"""
((call_expression function: (identifier) @fn) @call (#any-of? @fn {" ".join(f'"{b}"' for b in BLOCKING)}))
"""

    def check(self, match: Match, ctx: Context) -> Iterator[Diagnostic]:
        node = match["fn"][0]
        function = ctx.enclosing_function(node)
        if function is None:
            return
        name = ctx.function_name(function)
        role = gameplay_role(name, ctx)
        if role is None:
            return
        call = ctx.text(node)
        threaded = "Database.Connect" if "Connect" in call else "db.Query(callback, query, GetClientUserId(client))"
        message = (
            f"{call} blocks the server until the database answers, and `{name}` is {role} that runs during play; "
            f"use the threaded {threaded} instead"
        )
        severity = None
        registered = [r.function for r in ctx.model.registrations if r.callback == name]
        if registered and all(r == "RegAdminCmd" for r in registered) and role == "a command callback":
            # Only admins run it, rarely (SourceMod's own sql-admin-manager does this): a hint.
            severity = Severity.HINT
            message += " (only admins run this command, so the freeze is rare)"
        yield self.diagnostic(ctx, node, message, severity=severity)
