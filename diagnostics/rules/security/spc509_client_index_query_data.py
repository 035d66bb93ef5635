from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Match, Rule
from spcopilot.diagnostics.rules.timers.client_data import looks_like_client


class ClientIndexQueryData(Rule):
    code = "SPC509"
    name = "client-index-query-data"
    severity = Severity.WARNING
    item_local = True
    summary = "A client index passed as the data of a threaded query"
    docs = """
## What it does
Flags a client index (a variable named `client`, `iClient`, `player`, `attacker`, `victim`,
`target` or `survivor`, or one assigned from `GetClientOfUserId`) passed as the `data` of a
threaded query: `db.Query(callback, query, client)`, `SQL_TQuery(db, callback, query, client)`,
`db.Execute(txn, onSuccess, onError, client)`, `SQL_ExecuteTransaction(db, txn, onSuccess,
onError, client)`.

## Why is this bad?
Threaded queries finish later, sometimes seconds later. If the player leaves in the meantime,
the callback gets a slot number that may already belong to someone else, and writes their
points, rank or ban state to the wrong player.

## Example
```sourcepawn
g_hDB.Query(OnPointsLoaded, query, client);
```

## Use instead
```sourcepawn
g_hDB.Query(OnPointsLoaded, query, GetClientUserId(client));

public void OnPointsLoaded(Database db, DBResultSet results, const char[] error, any userid)
{
    int client = GetClientOfUserId(userid);
    if (client == 0)
        return;
    ...
}
```
"""
    calls = frozenset({"Execute", "Query", "SQL_ExecuteTransaction", "SQL_TQuery"})
    call_query = """
((call_expression
   function: (field_access field: (identifier) @method)
   arguments: (call_arguments . (_) . (_) . (identifier) @data))
 (#eq? @method "Query"))
((call_expression
   function: (field_access field: (identifier) @method)
   arguments: (call_arguments . (_) . (_) . (_) . (identifier) @data))
 (#eq? @method "Execute"))
((call_expression
   function: (identifier) @method
   arguments: (call_arguments . (_) . (_) . (_) . (identifier) @data))
 (#eq? @method "SQL_TQuery"))
((call_expression
   function: (identifier) @method
   arguments: (call_arguments . (_) . (_) . (_) . (_) . (identifier) @data))
 (#eq? @method "SQL_ExecuteTransaction"))
"""

    def check(self, match: Match, ctx: Context) -> Iterator[Diagnostic]:
        data = match["data"][0]
        if not looks_like_client(data, ctx):
            return
        name = ctx.text(data)
        call = ctx.text(match["method"][0])
        yield self.diagnostic(
            ctx,
            data,
            f"`{name}` is a client index passed as the data of the threaded {call}: if the player leaves before it "
            f"finishes, the callback gets another player's slot; pass `GetClientUserId({name})` and use "
            f"`GetClientOfUserId(data)` in the callback (0 means the player left)",
        )
