from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import L4D_OR_GENERIC, Rule
from spcopilot.diagnostics.rules.events.event_reads import (
    event_read,
    field_kind,
    fields_named,
    known_events,
)
from tree_sitter import Node


class EntityFieldAsUserid(Rule):
    code = "SPC207"
    name = "entity-field-as-userid"
    severity = Severity.WARNING
    item_local = True
    summary = "Passes an event field that is an entity index to GetClientOfUserId"
    games = L4D_OR_GENERIC
    fixable = True
    docs = """
## What it does
Finds `GetClientOfUserId(event.GetInt("x"))` where the field `x` is an entity index in the
hooked events, not a userid: `entityid` and `attackerentid` (player_death, player_hurt,
infected_hurt), `witchid` (witch_killed, witch_harasser_set), `tankid` (tank_spawn),
`subject` in the `explain_*` events, ...

## Why is this bad?
The value already is an entity index. Treated as a userid it finds the wrong player, or
none (0): the witch, common infected or tank the event is about is lost.

## Example
```sourcepawn
public void Event_WitchKilled(Event event, const char[] name, bool dontBroadcast)
{
    int witch = GetClientOfUserId(event.GetInt("witchid"));
}
```

## Use instead
```sourcepawn
public void Event_WitchKilled(Event event, const char[] name, bool dontBroadcast)
{
    int witch = event.GetInt("witchid");
    if (IsValidEntity(witch)) {}
}
```
The fix removes the `GetClientOfUserId(...)` around the read (unsafe: code after it may rely on
the result being a client).
"""
    calls = frozenset({"GetClientOfUserId"})

    def check_call(self, call: Node, callee: str, ctx: Context) -> Iterator[Diagnostic]:
        args = ctx.args(call)
        fn = call.child_by_field_name("function")
        if fn is None or fn.type != "identifier" or len(args) != 1 or args[0].type != "call_expression":
            return
        read = event_read(args[0], ctx)
        if read is None or read.getter_name not in ("GetInt", "GetEventInt"):
            return
        # A field named "userid" is read as a userid even where the game's comment calls it the
        # player entity (entity_visible, survivor_call_for_help): too doubtful to report.
        if read.field.lower() == "userid" or field_kind(ctx, read) != "entity":
            return
        inner = ctx.text(read.call)
        events = known_events(ctx, read.callback) or []
        where = ", ".join(sorted({e for e, _ in fields_named(ctx, events, read.field)}))
        fix = self.fix(ctx, "Remove GetClientOfUserId()", (call.start_byte, call.end_byte, inner), safe=False)
        yield self.diagnostic(
            ctx,
            call,
            f'"{read.field}" is an entity index in {where}, not a userid: '
            f"GetClientOfUserId() turns it into the wrong client or 0; use {inner} directly",
            fix=fix,
        )
