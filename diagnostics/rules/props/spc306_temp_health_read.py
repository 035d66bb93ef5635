from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import L4D_OR_GENERIC, Rule
from spcopilot.diagnostics.rules.props.prop_calls import prop_call
from tree_sitter import Node


class TempHealthRead(Rule):
    code = "SPC306"
    name = "temp-health-read"
    severity = Severity.INFO
    item_local = True
    summary = 'Reads "m_healthBuffer" as the current temporary health without "m_healthBufferTime"'
    games = L4D_OR_GENERIC
    docs = """
## What it does
Flags `GetEntPropFloat(client, Prop_Send, "m_healthBuffer")` in a function that never
mentions `"m_healthBufferTime"`. Writing `m_healthBuffer` is not flagged, and neither is a
function that also reads the time (it computes the decay itself).

## Why is this bad?
`m_healthBuffer` is the temporary health (pills, adrenaline, revive) as it was when it was
last set, at `m_healthBufferTime`. The game decays it by `pain_pills_decay_rate` per second
without writing the property, so reading it alone over-reports the survivor's temporary
health, more the longer ago it was set.

## Example
```sourcepawn
float temp = GetEntPropFloat(client, Prop_Send, "m_healthBuffer");
```

## Use instead
```sourcepawn
// Left4DHooks: float temp = L4D_GetTempHealth(client);
float buffer = GetEntPropFloat(client, Prop_Send, "m_healthBuffer");
float since = GetGameTime() - GetEntPropFloat(client, Prop_Send, "m_healthBufferTime");
float temp = buffer - since * FindConVar("pain_pills_decay_rate").FloatValue;
if (temp < 0.0) temp = 0.0;
```
"""
    calls = frozenset({"GetEntPropFloat"})

    def check_call(self, node: Node, callee: str, ctx: Context) -> Iterator[Diagnostic]:
        call = prop_call(node, ctx)
        if call is None or call.prop_name != "m_healthBuffer":
            return
        function = ctx.enclosing_function(call.call)
        if function is not None:
            read_time = b"m_healthBufferTime" in ctx.source[function.start_byte : function.end_byte]
        else:
            read_time = ctx.contains(b"m_healthBufferTime")
        if read_time:
            return
        message = (
            '"m_healthBuffer" is the temporary health when it was last set, not now (it decays by '
            'pain_pills_decay_rate per second since "m_healthBufferTime"); use L4D_GetTempHealth(client) '
            "(Left4DHooks) or subtract the decay"
        )
        yield self.diagnostic(ctx, call.call, message)
