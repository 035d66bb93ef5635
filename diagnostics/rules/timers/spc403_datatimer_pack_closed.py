from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Match, Rule
from spcopilot.diagnostics.rules.timers import function_body as fb
from spcopilot.diagnostics.rules.timers.timer_flags import CLOSE_FLAG, closes_its_data


class DataTimerPackClosed(Rule):
    code = "SPC403"
    name = "datatimer-pack-closed"
    severity = Severity.ERROR
    item_local = True
    summary = "A timer callback deletes the DataPack that its timer already closes"
    fixable = True
    docs = """
## What it does
Flags `delete pack;` and `CloseHandle(pack)` on the DataPack parameter of a callback whose
timers close the pack themselves: `CreateDataTimer(...)`, or `CreateTimer(..., pack,
TIMER_DATA_HNDL_CLOSE)`.

## Why is this bad?
`CreateDataTimer` sets `TIMER_DATA_HNDL_CLOSE`: SourceMod closes the pack when the timer ends.
Closing it in the callback as well frees the handle twice ("Invalid Handle" errors).

## Example
```sourcepawn
DataPack pack;
CreateDataTimer(1.0, Timer_Announce, pack);
pack.WriteString("Tank incoming");

public Action Timer_Announce(Handle timer, DataPack pack)
{
    char text[64];
    pack.Reset();
    pack.ReadString(text, sizeof(text));
    PrintToChatAll("%s", text);
    delete pack;
    return Plugin_Stop;
}
```

## Use instead
```sourcepawn
public Action Timer_Announce(Handle timer, DataPack pack)
{
    char text[64];
    pack.Reset();
    pack.ReadString(text, sizeof(text));
    PrintToChatAll("%s", text);
    return Plugin_Stop;
}
```
With a plain `CreateTimer(..., pack)` (no flag) deleting the pack in the callback is right.
"""
    calls = frozenset({"CloseHandle"})
    call_query = """
((call_expression
   function: (identifier) @fn
   arguments: (call_arguments . (identifier) @target .)) @statement
 (#eq? @fn "CloseHandle"))
"""
    query = """
(delete_statement free: (identifier) @target) @statement
"""

    def check(self, match: Match, ctx: Context) -> Iterator[Diagnostic]:
        node = match["statement"][0]
        function = ctx.enclosing_function(node)
        if function is None:
            return
        callback = ctx.function_name(function)
        timers = [r for r in ctx.model.registrations if r.callback == callback]
        if not timers or not all(closes_its_data(r, ctx.source) for r in timers):
            return
        params = fb.parameter_names(function, ctx.source)
        target = ctx.text(match["target"][0])
        if len(params) < 2 or target not in fb.aliases(function, params[1], ctx.source):
            return
        how = "CreateDataTimer" if timers[0].function == "CreateDataTimer" else f"CreateTimer(..., {CLOSE_FLAG})"
        message = (
            f"`{target}` is closed by the timer itself ({how}): closing it in `{callback}` frees it twice "
            f'("Invalid Handle" error); remove this statement'
        )
        statement = node if node.type == "delete_statement" else node.parent
        fix = None
        removable = statement is not None and statement.type in ("delete_statement", "expression_statement")
        if removable and statement.parent is not None and statement.parent.type == "block":
            start, end = fb.removal(statement, ctx.source)
            fix = self.fix(ctx, "Remove the statement (the timer closes the pack)", (start, end, ""))
        yield self.diagnostic(ctx, node, message, fix=fix)
