from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.matching import query_captures
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import L4D_OR_GENERIC, Rule
from spcopilot.diagnostics.rules.events.event_reads import (
    GETTER_CALLS,
    EventRead,
    event_read,
    fields_named,
    known_events,
)
from tree_sitter import Node

# SourceMod functions whose first argument is a client (or entity) index.
CLIENT_FUNCTIONS = frozenset(
    [
        "IsClientInGame",
        "IsClientConnected",
        "IsPlayerAlive",
        "IsFakeClient",
        "IsClientSourceTV",
        "IsClientObserver",
        "IsClientInKickQueue",
        "GetClientTeam",
        "GetClientName",
        "GetClientUserId",
        "GetClientAuthId",
        "GetClientIP",
        "GetClientHealth",
        "GetClientArmor",
        "GetClientFrags",
        "GetClientDeaths",
        "GetClientWeapon",
        "GetClientModel",
        "GetClientAbsOrigin",
        "GetClientAbsAngles",
        "GetClientEyePosition",
        "GetClientEyeAngles",
        "GetClientMaxs",
        "GetClientMins",
        "GetUserAdmin",
        "GetUserFlagBits",
        "CheckCommandAccess",
        "PrintToChat",
        "PrintHintText",
        "PrintCenterText",
        "PrintToConsole",
        "ForcePlayerSuicide",
        "SetEntityHealth",
        "ChangeClientTeam",
        "KickClient",
        "SlapPlayer",
        "ClientCommand",
        "FakeClientCommand",
        "FakeClientCommandEx",
        "GivePlayerItem",
        "GetPlayerWeaponSlot",
        "TeleportEntity",
        "SetEntityMoveType",
        "GetEntityMoveType",
        "SetEntityRenderColor",
        "SetEntityGravity",
        "IgniteEntity",
        "ExtinguishEntity",
        "EmitSoundToClient",
        "GetEntProp",
        "SetEntProp",
        "GetEntPropFloat",
        "SetEntPropFloat",
        "GetEntPropEnt",
        "SetEntPropEnt",
        "GetEntPropString",
        "SetEntPropString",
        "GetEntPropVector",
        "SetEntPropVector",
        "SDKHook",
        "SDKUnhook",
    ]
)

_USES = """
(call_expression function: (identifier) @fn arguments: (call_arguments . (identifier) @arg))
(array_indexed_access index: (identifier) @index)
(assignment_expression left: (identifier) @assigned)
"""


class UseridAsClient(Rule):
    code = "SPC206"
    name = "userid-as-client"
    severity = Severity.WARNING
    item_local = True
    summary = "Uses an event's userid as a client index without GetClientOfUserId"
    games = L4D_OR_GENERIC
    fixable = True
    docs = """
## What it does
Finds event fields that hold a userid (`userid`, and in L4D2 events `attacker`, `victim`,
`subject`, ... where the game declares them as userids) used as a client index: passed straight
to a client function (`IsClientInGame`, `GetClientTeam`, `PrintToChat`, `GetEntProp`, ...) or
used as an array index, either directly or through a variable that is never passed to
`GetClientOfUserId` in the same function.

## Why is this bad?
A userid is not a client index. They happen to match right after a map starts, then drift
apart as soon as anyone reconnects: the code acts on the wrong player, or throws
"Client index 23 is invalid" once userids pass MaxClients.

## Example
```sourcepawn
public void Event_PlayerSpawn(Event event, const char[] name, bool dontBroadcast)
{
    int client = event.GetInt("userid");
    if (IsClientInGame(client) && GetClientTeam(client) == 3) {}
}
```

## Use instead
```sourcepawn
public void Event_PlayerSpawn(Event event, const char[] name, bool dontBroadcast)
{
    int client = GetClientOfUserId(event.GetInt("userid"));
    if (client && IsClientInGame(client) && GetClientTeam(client) == 3) {}
}
```
The fix wraps the read in `GetClientOfUserId(...)` (unsafe: GetClientOfUserId returns 0 for a
player who has left, so check for 0 before using the client).
"""
    calls = GETTER_CALLS

    def check_call(self, call: Node, callee: str, ctx: Context) -> Iterator[Diagnostic]:
        read = event_read(call, ctx)
        if read is None or read.getter_name not in ("GetInt", "GetEventInt") or read.function is None:
            return
        if not _holds_userid(ctx, read):
            return
        use = _direct_use(ctx, read.call) or _use_through_variable(ctx, read)
        if use is None:
            return
        text = ctx.text(read.call)
        fix = self.fix(
            ctx,
            "Convert with GetClientOfUserId()",
            (read.call.start_byte, read.call.start_byte, "GetClientOfUserId("),
            (read.call.end_byte, read.call.end_byte, ")"),
            safe=False,
        )
        message = (
            f'"{read.field}" is a userid, not a client index, but it is {use}; '
            f"convert it first: GetClientOfUserId({text}) (0 if the player left)"
        )
        yield self.diagnostic(ctx, read.call, message, fix=fix)


def _holds_userid(ctx: Context, read: EventRead) -> bool:
    events = known_events(ctx, read.callback)
    if events is not None:
        kinds = {f.kind for _, f in fields_named(ctx, events, read.field)}
        return kinds == {"userid"}
    # Events unknown: only the one field that is a userid in every game's events.
    return read.field.lower() == "userid" and _is_event_handle(ctx, read)


def _is_event_handle(ctx: Context, read: EventRead) -> bool:
    if read.old_style or (read.callback and ctx.model.hooks_of(read.callback)):
        return True
    name = ctx.text(read.event_arg)
    if read.function is None:
        return False
    for pname, param in ctx.parameters(read.function):
        kind = param.child_by_field_name("type")
        if pname == name and kind is not None and ctx.text(kind) == "Event":
            return True
    return False


def _direct_use(ctx: Context, node: Node) -> str | None:
    """How the read itself is used as a client: `IsClientInGame(event.GetInt("userid"))`."""
    parent = node.parent
    if parent is None:
        return None
    if parent.type == "array_indexed_access" and parent.child_by_field_name("index") == node:
        return "used as an array index"
    if parent.type == "call_arguments" and ctx.args(parent)[:1] == [node]:
        call = parent.parent
        fn = call.child_by_field_name("function") if call is not None else None
        if fn is not None and fn.type == "identifier" and ctx.text(fn) in CLIENT_FUNCTIONS:
            return f"passed to {ctx.text(fn)}()"
    return None


def _assigned_variable(ctx: Context, read: Node) -> tuple[str, Node] | None:
    """`int client = <read>` / `client = <read>`: the variable and the declaring node."""
    parent = read.parent
    if parent is None:
        return None
    if parent.type in ("variable_declaration", "old_variable_declaration") and (
        read in parent.children_by_field_name("initialValue")
    ):
        name = parent.child_by_field_name("name")
        return (ctx.text(name), parent) if name is not None else None
    if parent.type == "assignment_expression" and parent.child_by_field_name("right") == read:
        left = parent.child_by_field_name("left")
        op = parent.child_by_field_name("operator")
        if left is not None and left.type == "identifier" and op is not None and ctx.text(op) == "=":
            return ctx.text(left), parent
    return None


def _use_through_variable(ctx: Context, read: EventRead) -> str | None:
    assigned = _assigned_variable(ctx, read.call)
    body = read.function.child_by_field_name("body") if read.function is not None else None
    if assigned is None or body is None:
        return None
    var, origin = assigned
    caps = query_captures(_USES, body)
    if any(
        ctx.text(n) == var
        and n.parent is not None
        and n.parent.parent is not None
        and ctx.callee(n.parent.parent) == "GetClientOfUserId"
        for n in caps.get("arg", [])
    ):
        return None  # converted later (Left4DHooks reads first and converts two lines down)
    if any(ctx.text(n) == var and n.parent != origin for n in caps.get("assigned", [])):
        return None  # reassigned: we cannot follow it
    uses = []
    for n in caps.get("arg", []):
        if ctx.text(n) == var and n.start_byte > read.call.end_byte:
            fn = ctx.callee(n.parent.parent)
            if fn in CLIENT_FUNCTIONS:
                uses.append((n.start_byte, f"passed to {fn}() as `{var}`"))
    for n in caps.get("index", []):
        if ctx.text(n) == var and n.start_byte > read.call.end_byte:
            uses.append((n.start_byte, f"used as an array index through `{var}`"))
    return min(uses)[1] if uses else None
