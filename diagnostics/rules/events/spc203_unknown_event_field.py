from __future__ import annotations

import difflib
from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import L4D_OR_GENERIC, Rule
from spcopilot.diagnostics.rules.events.event_reads import (
    GETTER_CALLS,
    event_read,
    fields_named,
    known_events,
)
from tree_sitter import Node


class UnknownEventField(Rule):
    code = "SPC203"
    name = "unknown-event-field"
    severity = Severity.WARNING
    item_local = True
    summary = "Reads an event field that none of the callback's hooked events has"
    games = L4D_OR_GENERIC
    docs = """
## What it does
In a callback hooked with `HookEvent`, checks the field names read from the event
(`event.GetInt("x")`, `GetEventInt(event, "x")`, and the Bool/Float/String getters) against
the fields the hooked events really have. A field is only reported when every event the
callback is hooked to is known and none of them has it; the message suggests the closest
real field names.

## Why is this bad?
The game does not complain about a missing field: the getter silently returns its default
(0, false, 0.0 or an empty string). The plugin compiles and loads, and then never sees the
victim, the attacker or the damage it was written for.

## Example
```sourcepawn
public void Event_PlayerDeath(Event event, const char[] name, bool dontBroadcast)
{
    int killer = GetClientOfUserId(event.GetInt("killer"));
}
```

## Use instead
```sourcepawn
public void Event_PlayerDeath(Event event, const char[] name, bool dontBroadcast)
{
    int killer = GetClientOfUserId(event.GetInt("attacker"));
}
```
"""
    calls = GETTER_CALLS

    def check_call(self, call: Node, callee: str, ctx: Context) -> Iterator[Diagnostic]:
        read = event_read(call, ctx)
        if read is None or read.callback is None:
            return
        events = known_events(ctx, read.callback)
        if events is None or fields_named(ctx, events, read.field):
            return
        infos = [ctx.event_catalogue.get(e) for e in events]
        available = sorted({f for info in infos if info for f in info.fields})
        listed = ", ".join(f'"{e}"' for e in events)
        if len(events) == 1:
            message = f'Event {listed} has no field "{read.field}"'
        else:
            message = f'None of the events {listed} hooked to {read.callback} has a field "{read.field}"'
        close = difflib.get_close_matches(read.field, available, n=3, cutoff=0.6)
        if close:
            message += "; did you mean " + " or ".join(f'"{c}"' for c in close) + "?"
        elif available:
            more = f" and {len(available) - 12} more" if len(available) > 12 else ""
            shown = ", ".join(f'"{f}"' for f in available[:12])
            owner = "its" if len(events) == 1 else "their"
            message += f"; {owner} fields are {shown}{more}."
        else:
            message += "; it has no fields."
        message += ' A missing field reads as the getter\'s default (0, false, 0.0 or "").'
        yield self.diagnostic(ctx, read.field_node, message)
