from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.matching import query_captures, query_matches
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import L4D_OR_GENERIC, Rule
from tree_sitter import Node

NOCOPY = "EventHookMode_PostNoCopy"
_METHODS = ("GetInt", "GetBool", "GetFloat", "GetString", "GetName", "GetUInt64")
_FUNCTIONS = ("GetEventInt", "GetEventBool", "GetEventFloat", "GetEventString", "GetEventName")
# The same reads as a query, to find a callback's first one: @read is the call, @event the
# handle it reads.
_READS = f"""
((call_expression
   function: (field_access target: (identifier) @event field: (identifier) @method)) @read
 (#any-of? @method {" ".join(f'"{m}"' for m in _METHODS)}))
((call_expression
   function: (identifier) @function
   arguments: (call_arguments . (identifier) @event)) @read
 (#any-of? @function {" ".join(f'"{f}"' for f in _FUNCTIONS)}))
"""
_IDENTIFIERS = "(identifier) @id"


class PostNoCopyFieldRead(Rule):
    code = "SPC205"
    name = "postnocopy-field-read"
    severity = Severity.ERROR
    item_local = True
    summary = "Reads event fields in a callback hooked with EventHookMode_PostNoCopy"
    games = L4D_OR_GENERIC
    fixable = True
    docs = """
## What it does
Finds event callbacks hooked with `EventHookMode_PostNoCopy` that read the event anyway
(`event.GetInt(...)`, `GetEventString(event, ...)`, `event.GetName(...)`). Reported once per
callback, at its first read.

## Why is this bad?
`EventHookMode_PostNoCopy` tells SourceMod not to copy the event for this hook: the callback
only learns that the event happened, and its `event` handle is invalid
(`INVALID_HANDLE` when every hook on the event, in any plugin, uses PostNoCopy). Reading from
it throws "Invalid event handle" errors; it only seems to work while another hook on the same
event happens to ask for a copy.

## Example
```sourcepawn
HookEvent("player_death", Event_PlayerDeath, EventHookMode_PostNoCopy);

public void Event_PlayerDeath(Event event, const char[] name, bool dontBroadcast)
{
    int victim = GetClientOfUserId(event.GetInt("userid"));
}
```

## Use instead
```sourcepawn
HookEvent("player_death", Event_PlayerDeath, EventHookMode_Post);
```
The fix (unsafe: it makes SourceMod copy the event for every firing) changes the hook's mode
to `EventHookMode_Post`. Keep `EventHookMode_PostNoCopy` for callbacks that only need to know
the event fired, such as `round_start` resets.
"""
    calls = frozenset(_METHODS + _FUNCTIONS)

    def check_call(self, read: Node, callee: str, ctx: Context) -> Iterator[Diagnostic]:
        handle_node = _handle(read, callee, ctx)
        function = ctx.enclosing_function(read)
        if handle_node is None or function is None or function.type != "function_definition":
            return
        params = ctx.parameters(function)
        handle = ctx.text(handle_node)
        if not params or params[0][0] != handle:
            return
        callback = ctx.function_name(function)
        hooks = ctx.model.hooks_of(callback)
        nocopy = [h for h in hooks if h.mode == NOCOPY]
        if not nocopy:
            return
        others = [h for h in hooks if h.mode != NOCOPY]
        if others and len(params) > 1 and _uses(ctx, function, params[1][0]):
            return  # it may read the event only for the events hooked with a copy
        if _first_read(ctx, function, handle) != read.start_byte:
            return
        nocopy_events = ", ".join(sorted({f'"{h.event}"' if h.event else "(a computed name)" for h in nocopy}))
        message = (
            f"{callback} is hooked to {nocopy_events} with EventHookMode_PostNoCopy, so "
            f"`{handle}` is an invalid handle there (unless some other hook happens to copy the "
            "event); hook it with EventHookMode_Post to read its fields"
        )
        if others:
            message += " (its other hooks copy the event, but the PostNoCopy one still gets an invalid handle)"
        edits = []
        for hook in nocopy:
            args = ctx.args(hook.call)
            if len(args) > 2:
                edits.append((args[2].start_byte, args[2].end_byte, "EventHookMode_Post"))
        fix = self.fix(ctx, "Hook with EventHookMode_Post", *edits, safe=False) if edits else None
        yield self.diagnostic(ctx, read, message, fix=fix)


def _handle(call: Node, callee: str, ctx: Context) -> Node | None:
    """The event handle a read uses: `event` in event.GetInt(...) / GetEventInt(event, ...)."""
    fn = call.child_by_field_name("function")
    if fn is None:
        return None
    if fn.type == "field_access" and callee in _METHODS:
        target = fn.child_by_field_name("target")
    elif fn.type == "identifier" and callee in _FUNCTIONS:
        args = ctx.args(call)
        target = args[0] if args else None
    else:
        return None
    return target if target is not None and target.type == "identifier" else None


def _first_read(ctx: Context, function: Node, handle: str) -> int:
    starts = [
        caps["read"][0].start_byte
        for _, caps in query_matches(_READS, function)
        if ctx.text(caps["event"][0]) == handle
    ]
    return min(starts, default=-1)


def _uses(ctx: Context, function: Node, name: str) -> bool:
    body = function.child_by_field_name("body")
    if body is None:
        return False
    nodes = query_captures(_IDENTIFIERS, body).get("id", [])
    return any(ctx.text(n) == name for n in nodes)
