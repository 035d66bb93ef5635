from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.knowledge.netprops import l4d2_netprops
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import L4D_GAMES, L4D_OR_GENERIC, Rule
from spcopilot.diagnostics.rules.props.prop_calls import ACCESSORS, prop_call
from tree_sitter import Node

# Datamap fields that no Source game networks, so `Prop_Send` can never find them. The
# knowledge table marks more props "Prop_Data", but some of those are networked on some
# entities: `m_eDoorState` on L4D2 checkpoint doors, `m_vecVelocity` on grenades and
# projectiles, `m_takedamage` on TF2 buildings, and `m_flSpeed` is SPC301's. `m_iName` is
# networked in CS:GO, so it is only checked in L4D files.
NEVER_NETWORKED = frozenset({"m_ModelName", "m_vecAbsOrigin", "m_vecAbsVelocity", "m_iHammerID"})
NOT_NETWORKED_IN_L4D = frozenset({"m_iName"})


@cache
def _data_only() -> frozenset[str]:
    kb = l4d2_netprops()
    return frozenset(n for n in NEVER_NETWORKED | NOT_NETWORKED_IN_L4D if n in kb and kb[n].prop_type == "Prop_Data")


class PropTypeMismatch(Rule):
    code = "SPC303"
    name = "prop-type-mismatch"
    severity = Severity.ERROR
    item_local = True
    summary = "A datamap-only property read or written with Prop_Send"
    games = L4D_OR_GENERIC
    fixable = True
    docs = """
## What it does
Flags `Get/SetEntProp*` calls that pass `Prop_Send` for a property that exists only in the
entity's datamap: `m_ModelName`, `m_vecAbsOrigin`, `m_vecAbsVelocity`, `m_iHammerID`, and in
Left 4 Dead `m_iName`. Probing with `HasEntProp(ent, Prop_Send, ...)` is not flagged.

## Why is this bad?
`Prop_Send` looks the name up in the networked send tables and `Prop_Data` in the datamap
(SourceMod entity.inc). These fields are never networked, so the call throws
"Property \\"m_ModelName\\" not found" at runtime and the rest of the callback does not run.

## Example
```sourcepawn
char model[PLATFORM_MAX_PATH];
GetEntPropString(entity, Prop_Send, "m_ModelName", model, sizeof(model));
```

## Use instead
```sourcepawn
char model[PLATFORM_MAX_PATH];
GetEntPropString(entity, Prop_Data, "m_ModelName", model, sizeof(model));
```
"""
    calls = ACCESSORS

    def check_call(self, node: Node, callee: str, ctx: Context) -> Iterator[Diagnostic]:
        call = prop_call(node, ctx)
        if call is None or call.prop_type != "Prop_Send" or call.prop_name not in _data_only():
            return
        if call.prop_name in NOT_NETWORKED_IN_L4D and ctx.game.game not in L4D_GAMES:
            return
        if _probed(call.prop_name, call.call, ctx):
            return
        node = call.prop_type_node
        message = (
            f'"{call.prop_name}" is a datamap field, not a networked property: '
            f'Prop_Send throws "Property not found"; use Prop_Data'
        )
        fix = self.fix(ctx, "Use Prop_Data", (node.start_byte, node.end_byte, "Prop_Data"))
        yield self.diagnostic(ctx, node, message, fix=fix)


def _probed(prop: str, call: Node, ctx: Context) -> bool:
    """The function checks `HasEntProp(..., Prop_Send, "prop")` (a probe, then a guarded read)."""
    function = ctx.enclosing_function(call)
    if function is None:
        return False
    body = ctx.source[function.start_byte : function.end_byte]
    probe = re.compile(rb'HasEntProp\s*\([^;]*?Prop_Send\s*,\s*"' + re.escape(prop.encode()) + rb'"')
    return probe.search(body) is not None
