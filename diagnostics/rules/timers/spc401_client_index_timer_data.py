from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Fix, Severity
from spcopilot.diagnostics.rules.base import Match, Rule
from spcopilot.diagnostics.rules.timers import function_body as fb
from spcopilot.diagnostics.rules.timers.client_data import looks_like_client, validates
from tree_sitter import Node

_READS = frozenset({"ReadCell", "ReadPackCell"})


class ClientIndexTimerData(Rule):
    code = "SPC401"
    name = "client-index-timer-data"
    severity = Severity.WARNING
    item_local = True
    summary = "A client index passed as timer data instead of a userid"
    fixable = True
    docs = """
## What it does
Flags `CreateTimer(delay, Callback, client)` when the data is a client index, and
`pack.WriteCell(client)` / `WritePackCell(pack, client)` into a DataPack that is handed to a
timer. What makes a variable a client index is what the program says of it, never its name: a
value from `GetClientOfUserId` (or a native whose doc comment says it returns a client index),
the variable of a loop up to `MaxClients`, a parameter that its contract calls a client (the
forward it implements, like `OnClientPutInServer(int client)`, or the callback type it is
registered with, like a console command's `int client`), an SDK hook callback's entity when
the hooked entity is a client, timer data that a timer was given a client for, or a parameter
of the plugin's own function that a call in the file passes a client. The contracts are read
from the include folders: without SourceMod's includes, forwards and callbacks say nothing. When the callback re-checks the client with
`IsClientInGame`/`IsClientConnected`/`IsValidClient` the finding is only a hint.

## Why is this bad?
A client index is a slot number. If the player leaves before the timer fires, the slot is
freed and the next player who joins gets the same index: the callback then acts on the wrong
player, and `IsClientInGame` cannot tell. A userid is never reused.

## Example
```sourcepawn
CreateTimer(3.0, Timer_Respawn, client);

public Action Timer_Respawn(Handle timer, any client)
{
    L4D_RespawnPlayer(client);
    return Plugin_Stop;
}
```

## Use instead
```sourcepawn
CreateTimer(3.0, Timer_Respawn, GetClientUserId(client));

public Action Timer_Respawn(Handle timer, any userid)
{
    int client = GetClientOfUserId(userid);
    if (client == 0) return Plugin_Stop;
    L4D_RespawnPlayer(client);
    return Plugin_Stop;
}
```
The fix does this rewrite when the callback is in the file and used by that one timer.
"""
    calls = frozenset({"CreateTimer", "WriteCell", "WritePackCell"})
    call_query = """
((call_expression
   function: (identifier) @fn
   arguments: (call_arguments . (_) . (identifier) @callback . (identifier) @data))
 (#eq? @fn "CreateTimer"))
((call_expression
   function: (field_access target: (identifier) @pack field: (identifier) @method)
   arguments: (call_arguments . (identifier) @cell .))
 (#eq? @method "WriteCell"))
((call_expression
   function: (identifier) @fn
   arguments: (call_arguments . (identifier) @pack . (identifier) @cell .))
 (#eq? @fn "WritePackCell"))
"""

    def check(self, match: Match, ctx: Context) -> Iterator[Diagnostic]:
        if "data" in match:
            yield from self._timer_data(match["data"][0], ctx.text(match["callback"][0]), ctx)
        else:
            yield from self._pack_cell(match["pack"][0], match["cell"][0], ctx)

    def _timer_data(self, data: Node, callback: str, ctx: Context) -> Iterator[Diagnostic]:
        if not looks_like_client(data, ctx):
            return
        name = ctx.text(data)
        function = ctx.model.functions.get(callback)
        severity = None
        message = (
            f"`{name}` is a client index passed as timer data: if the player leaves before `{callback}` runs, "
            f"another player can take the slot; pass `GetClientUserId({name})` and get the client back with "
            f"`GetClientOfUserId(userid)` in the callback"
        )
        fix = None
        if function is not None:
            params = fb.parameter_names(function, ctx.source)
            names = fb.aliases(function, params[1], ctx.source) if len(params) > 1 else set()
            if _converts(function, names, ctx.source):
                # The callback already reads its data as a userid: only the argument is wrong.
                message = (
                    f"`{name}` is a client index, but `{callback}` reads its data as a userid (GetClientOfUserId): "
                    f"pass `GetClientUserId({name})`"
                )
                fix = self.fix(
                    ctx, f"Pass GetClientUserId({name})", (data.start_byte, data.end_byte, f"GetClientUserId({name})")
                )
            else:
                if validates(function, names, ctx.source):
                    severity = Severity.HINT
                    message += " (its IsClientInGame check does not catch a different player in the same slot)"
                fix = self._fix(data, callback, function, ctx)
        yield self.diagnostic(ctx, data, message, fix=fix, severity=severity)

    def _fix(self, data: Node, callback: str, function: Node, ctx: Context) -> Fix | None:
        if len([r for r in ctx.model.registrations if r.callback == callback]) != 1:
            return None
        params = function.child_by_field_name("parameters")
        plist = [p for p in params.named_children if p.type == "parameter_declaration"] if params else []
        block = fb.body(function)
        if len(plist) != 2 or block is None or fb.identifiers(block, "userid", ctx.source):
            return None
        param = plist[1]
        name_node = param.child_by_field_name("name")
        typed = param.child_by_field_name("type")
        kinds = [c.type for c in param.children]
        type_text = fb.text(typed, ctx.source)
        new_syntax = typed is not None and typed.type == "type" and type_text in ("any", "int")
        old_syntax = typed is None or (typed.type == "old_type" and type_text == "any:")
        if (
            name_node is None
            or not (new_syntax or old_syntax)
            or len([k for k in kinds if k not in ("type", "old_type")]) != 1
        ):
            return None
        returns = fb.return_type(function, ctx.source)
        stop = {"Action": "return Plugin_Stop;", "void": "return;"}.get(returns)
        if stop is None:
            return None
        var = fb.text(name_node, ctx.source)
        declare = f"int {var}" if new_syntax else f"new {var}"
        lines = [f"{declare} = GetClientOfUserId(userid);", f"if ({var} == 0) {stop}"]
        statements = [c for c in block.named_children]
        if statements:
            indent = fb.line_indent(statements[0], ctx.source)
            insert = (
                statements[0].start_byte,
                statements[0].start_byte,
                "".join(f"{line}\n{indent}" for line in lines),
            )
        else:
            outer = fb.line_indent(function, ctx.source)
            inside = ctx.source[block.start_byte + 1 : block.end_byte - 1]
            closing = "" if b"\n" in inside else f"\n{outer}"
            text = "".join(f"\n{outer}    {line}" for line in lines) + closing
            insert = (block.start_byte + 1, block.start_byte + 1, text)
        return self.fix(
            ctx,
            f"Pass GetClientUserId({ctx.text(data)}) and convert it back in `{callback}`",
            (data.start_byte, data.end_byte, f"GetClientUserId({ctx.text(data)})"),
            (name_node.start_byte, name_node.end_byte, "userid"),
            insert,
            safe=False,
        )

    def _pack_cell(self, pack: Node, cell: Node, ctx: Context) -> Iterator[Diagnostic]:
        function = ctx.enclosing_function(pack)
        if function is None or not looks_like_client(cell, ctx):
            return
        pack_name = ctx.text(pack)
        timers = [
            r
            for r in ctx.model.registrations_of("CreateTimer", "CreateDataTimer")
            if function.start_byte <= r.call.start_byte < function.end_byte
            and len(r.args) > 2
            and fb.name_of(r.args[2], ctx.source) == pack_name
        ]
        if not timers:
            return
        callback = timers[0].callback or "the callback"
        name = ctx.text(cell)
        message = (
            f"`{name}` is a client index written into the timer's DataPack: if the player leaves before "
            f"`{callback}` runs, another player can take the slot; write `GetClientUserId({name})` and read it "
            f"back with `GetClientOfUserId`"
        )
        severity = None
        target = ctx.model.functions.get(timers[0].callback or "")
        if target is not None and validates(target, _read_cells(target, ctx), ctx.source):
            severity = Severity.HINT
            message += " (the IsClientInGame check in the callback does not catch a different player in the same slot)"
        yield self.diagnostic(ctx, cell, message, severity=severity)


def _read_cells(function: Node, ctx: Context) -> set[str]:
    """Locals of a callback read from its DataPack (`int client = pack.ReadCell();`)."""
    source = ctx.source
    found = set()
    for name, decl in ctx.local_declarations(function):
        value = fb.initial_value(decl) if decl.type != "parameter_declaration" else None
        if value is not None and value.type == "call_expression" and fb.callee(value, source) in _READS:
            found.add(name)
    for assign in fb.assignments(function):
        value = fb.unwrap(assign.child_by_field_name("right"))
        if value is not None and value.type == "call_expression" and fb.callee(value, source) in _READS:
            found.add(fb.name_of(assign.child_by_field_name("left"), source))
    return found


def _converts(function: Node, names: set[str], source: bytes) -> bool:
    """Does the callback pass its data to GetClientOfUserId (so it expects a userid)?"""
    for call in fb.calls(function):
        args = fb.arguments(call)
        if fb.callee(call, source) == "GetClientOfUserId" and args and fb.name_of(args[0], source) in names:
            return True
    return False
