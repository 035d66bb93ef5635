from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import L4D_OR_GENERIC, Rule
from spcopilot.diagnostics.rules.events.event_reads import (
    FIELD_CLASS,
    GETTER_CALLS,
    EventRead,
    event_read,
    fields_named,
    known_events,
)
from tree_sitter import Node


def _string_read(ctx: Context, read: EventRead) -> str:
    event = ctx.text(read.event_arg)
    if read.old_style:
        return f'GetEventString({event}, "{read.field}", buffer, sizeof(buffer))'
    return f'{event}.GetString("{read.field}", buffer, sizeof(buffer))'


_ZERO = {"int": "0", "bool": "false", "float": "0.0"}
_GETTER = {"int": "GetInt", "bool": "GetBool", "float": "GetFloat", "string": "GetString"}


class EventFieldAccessor(Rule):
    code = "SPC204"
    name = "event-field-accessor"
    severity = Severity.WARNING
    item_local = True
    summary = "Reads an event field with the getter of another type"
    games = L4D_OR_GENERIC
    fixable = True
    docs = """
## What it does
Compares the getter used to read an event field with the field's type in the hooked events:
a `string` field (`weapon`, `ability`, `victimname`) read with `GetInt`/`GetFloat`/`GetBool`,
a number read with `GetString`, or a `float` field (`victim_x`, `ride_length`, `time`) read
with `GetInt`. Reading an integer with `GetFloat`, or a `short`/`long` with `GetBool`, is
left alone. Only reported when every hooked event that has the field agrees on its type.

## Why is this bad?
A string read as a number is 0 unless the text happens to be a number: `event.GetInt("weapon")`
is always 0. A float read with `GetInt` is truncated (`ride_length` 2.7 becomes 2). A number
read with `GetString` works (the game converts it to text) but hides the type.

## Example
```sourcepawn
public void Event_RideEnd(Event event, const char[] name, bool dontBroadcast)
{
    int seconds = event.GetInt("ride_length");
}
```

## Use instead
```sourcepawn
public void Event_RideEnd(Event event, const char[] name, bool dontBroadcast)
{
    float seconds = event.GetFloat("ride_length");
}
```
The fix renames the getter for number-to-number cases (`GetInt` to `GetFloat`,
`GetEventInt` to `GetEventFloat`); the variable's type is yours to change. A string getter takes
a buffer and a length, so string mismatches are not fixed automatically.
"""
    calls = GETTER_CALLS

    def check_call(self, call: Node, callee: str, ctx: Context) -> Iterator[Diagnostic]:
        read = event_read(call, ctx)
        if read is None or read.callback is None:
            return
        events = known_events(ctx, read.callback)
        if events is None:
            return
        found = fields_named(ctx, events, read.field)
        classes = {FIELD_CLASS.get(f.type, "") for _, f in found}
        if len(classes) != 1:
            return
        field_class = classes.pop()
        got = read.value_class
        where = ", ".join(sorted({e for e, _ in found}))
        right = _GETTER.get(field_class, "")
        if read.old_style:
            right = right.replace("Get", "GetEvent", 1)
        if field_class == "string" and got in ("int", "bool", "float"):
            yield self.diagnostic(
                ctx,
                read.getter,
                f'"{read.field}" is a string in {where}: {read.getter_name} reads it as '
                f"{_ZERO[got]} (unless the text is a number). "
                f"Read it into a char buffer: {_string_read(ctx, read)}.",
            )
        elif got == "string" and field_class in ("int", "bool", "float"):
            yield self.diagnostic(
                ctx,
                read.getter,
                f'"{read.field}" is a {field_class} in {where}: '
                f"{read.getter_name} only gets its text; read it with {right} instead.",
                severity=Severity.INFO,
            )
        elif got == "int" and field_class == "float":
            new = read.getter_name.replace("Int", "Float")
            fix = self.fix(
                ctx,
                f"Replace `{read.getter_name}` with `{new}`",
                (read.getter.start_byte, read.getter.end_byte, new),
                safe=False,
            )
            yield self.diagnostic(
                ctx,
                read.getter,
                f'"{read.field}" is a float in {where}: {read.getter_name} truncates it; use {new} '
                "(and a float variable).",
                fix=fix,
                severity=Severity.INFO,
            )
