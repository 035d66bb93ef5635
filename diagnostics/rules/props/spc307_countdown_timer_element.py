from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.knowledge.netprops import l4d2_netprops
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import L4D_OR_GENERIC, Rule
from spcopilot.diagnostics.rules.props.prop_calls import prop_call
from tree_sitter import Node


@cache
def _timers() -> frozenset[str]:
    return frozenset(n for n, p in l4d2_netprops().items() if p.value_type == "timer")


class CountdownTimerElement(Rule):
    code = "SPC307"
    name = "countdown-timer-element"
    severity = Severity.INFO
    item_local = True
    summary = "Reads a CountdownTimer property without an element: that is its duration, not its end time"
    games = L4D_OR_GENERIC
    docs = """
## What it does
Flags `GetEntPropFloat` on a CountdownTimer property (`m_nextActivationTimer`,
`m_staggerTimer`, `m_knockdownTimer`, ...) with no element argument.

## Why is this bad?
A CountdownTimer is two floats: element 0 is `m_duration` (how long the timer runs) and
element 1 is `m_timestamp` (the game time when it runs out). Without an element the call
reads the duration, which code comparing with `GetGameTime()` almost never wants: an ability
would look ready (or never ready) whatever its cooldown.

## Example
```sourcepawn
int ability = GetEntPropEnt(client, Prop_Send, "m_customAbility");
bool ready = GetEntPropFloat(ability, Prop_Send, "m_nextActivationTimer") <= GetGameTime();
```

## Use instead
```sourcepawn
int ability = GetEntPropEnt(client, Prop_Send, "m_customAbility");
bool ready = GetEntPropFloat(ability, Prop_Send, "m_nextActivationTimer", 1) <= GetGameTime();
```
Pass element 0 explicitly when the duration is what you want.
"""
    calls = frozenset({"GetEntPropFloat"})

    def check_call(self, node: Node, callee: str, ctx: Context) -> Iterator[Diagnostic]:
        call = prop_call(node, ctx)
        if call is None or call.prop_name not in _timers() or call.extra_args != 0:
            return
        message = (
            f'"{call.prop_name}" is a CountdownTimer: without an element this reads element 0, its '
            f'duration; pass 1 for the time it runs out (GetEntPropFloat(..., "{call.prop_name}", 1)), '
            "or 0 explicitly if you want the duration"
        )
        yield self.diagnostic(ctx, call.call, message)
