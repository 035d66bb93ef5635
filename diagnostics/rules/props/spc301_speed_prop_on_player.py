from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import L4D_OR_GENERIC, Rule
from spcopilot.diagnostics.rules.props.entity_kind import looks_like_client
from spcopilot.diagnostics.rules.props.prop_calls import prop_call
from tree_sitter import Node


class SpeedPropOnPlayer(Rule):
    code = "SPC301"
    name = "speed-prop-on-player"
    severity = Severity.WARNING
    item_local = True
    summary = 'Reads or writes "m_flSpeed" on a player; player speed is "m_flLaggedMovementValue"'
    games = L4D_OR_GENERIC
    fixable = True
    docs = """
## What it does
Flags `GetEntPropFloat` / `SetEntPropFloat` calls on `"m_flSpeed"` whose entity argument is
a client: a variable named `client`, `attacker`, `victim`, `target`, ..., a value from
`GetClientOfUserId(...)`, or the variable of a `1..MaxClients` loop. `"m_flSpeed"` on doors
and rotating brushes (`SetEntPropFloat(door, Prop_Data, "m_flSpeed", 200.0)`) and in temp
entities (`TE_WriteFloat("m_flSpeed", ...)`) is legitimate and never flagged.

## Why is this bad?
Players have no usable `m_flSpeed`: with `Prop_Send` the call throws "Property not found",
and with `Prop_Data` it writes a field the movement code ignores, so nothing happens. A
player's speed is scaled with `m_flLaggedMovementValue` (a networked multiplier: 1.0 is
normal speed, 1.5 is 50% faster), which you must reset to 1.0 yourself.

## Example
```sourcepawn
SetEntPropFloat(client, Prop_Data, "m_flSpeed", 1.5);
```

## Use instead
```sourcepawn
SetEntPropFloat(client, Prop_Send, "m_flLaggedMovementValue", 1.5);
```
The fix is unsafe: it renames the property and sets `Prop_Send`, but the value is a
multiplier, not units per second, so check it.
"""
    calls = frozenset({"GetEntPropFloat", "SetEntPropFloat"})

    def check_call(self, node: Node, callee: str, ctx: Context) -> Iterator[Diagnostic]:
        call = prop_call(node, ctx)
        if call is None or call.prop_name != "m_flSpeed" or not looks_like_client(call.entity, ctx):
            return
        who = ctx.text(call.entity) if call.entity.type == "identifier" else "client"
        subject = f"`{who}` is a player, and players" if call.entity.type == "identifier" else "Players"
        message = (
            f'{subject} have no usable "m_flSpeed"; scale their speed with '
            f'{call.accessor}({who}, Prop_Send, "m_flLaggedMovementValue", ...) '
            "(a multiplier: 1.0 = normal speed, reset it yourself)"
        )
        edits = [(call.prop.start_byte, call.prop.end_byte, '"m_flLaggedMovementValue"')]
        if call.prop_type != "Prop_Send":
            node = call.prop_type_node
            edits.append((node.start_byte, node.end_byte, "Prop_Send"))
        fix = self.fix(ctx, 'Use Prop_Send "m_flLaggedMovementValue" (a speed multiplier)', *edits, safe=False)
        yield self.diagnostic(ctx, call.prop, message, fix=fix)
