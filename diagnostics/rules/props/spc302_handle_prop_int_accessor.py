from __future__ import annotations

import re
from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.knowledge.netprops import l4d2_netprops
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Rule
from spcopilot.diagnostics.rules.props.prop_calls import prop_call
from tree_sitter import Node

HANDLE_NAME = re.compile(r"^m_h[A-Z]")
# `m_h...` names that hold a plain number, not an entity handle.
NOT_HANDLES = frozenset({"m_hMeleeWeaponInfo"})
COMPARISONS = frozenset({">", "<", ">=", "<=", "==", "!="})


def is_handle_prop(name: str) -> bool:
    if name in NOT_HANDLES:
        return False
    known = l4d2_netprops().get(name)
    if known is not None:
        return known.value_type == "entity"
    return bool(HANDLE_NAME.match(name))


class HandlePropIntAccessor(Rule):
    code = "SPC302"
    name = "handle-prop-int-accessor"
    severity = Severity.WARNING
    item_local = True
    summary = "GetEntProp/SetEntProp on an entity-handle property instead of GetEntPropEnt/SetEntPropEnt"
    fixable = True
    docs = """
## What it does
Flags `GetEntProp` / `SetEntProp` on a property that holds an entity handle: the `m_h...`
properties (`m_hOwnerEntity`, `m_hActiveWeapon`, `m_hGroundEntity`, ...) and the L4D2
handles without the prefix (`m_customAbility`, `m_pounceAttacker`, `m_tongueOwner`,
`m_jockeyVictim`, `m_reviveOwner`, ...).

## Why is this bad?
An entity handle is not an entity index: `GetEntProp` returns the raw EHANDLE (index plus
serial number bits, `-1` when empty), which is a huge number for any real entity, so using it
as a client or entity index fails ("Entity 4718598 is invalid"). `SetEntProp` with an index
writes a handle the game cannot resolve. `GetEntPropEnt` converts the handle to an index
(`-1` when there is none) and `SetEntPropEnt` converts an index to a handle.

## Example
```sourcepawn
int smoker = GetEntProp(client, Prop_Send, "m_tongueOwner");
SetEntProp(weapon, Prop_Send, "m_hOwnerEntity", client);
```

## Use instead
```sourcepawn
int smoker = GetEntPropEnt(client, Prop_Send, "m_tongueOwner");
SetEntPropEnt(weapon, Prop_Send, "m_hOwnerEntity", client);
```
The fix renames the call when it has no size/element argument. When the result is only
compared with 0 or -1 (a "has an attacker" test), or -1 is written to clear the handle, the
finding is a hint: those happen to work on the raw handle.
"""
    calls = frozenset({"GetEntProp", "SetEntProp"})

    def check_call(self, node: Node, callee: str, ctx: Context) -> Iterator[Diagnostic]:
        call = prop_call(node, ctx)
        if call is None or not is_handle_prop(call.prop_name):
            return
        right = "SetEntPropEnt" if call.is_setter else "GetEntPropEnt"
        what = "writes an entity index into" if call.is_setter else "returns the raw entity handle of"
        message = f'{call.accessor} {what} "{call.prop_name}", an entity-handle property; use {right}, ' + (
            "which converts the index to a handle" if call.is_setter else "which returns an entity index (-1 when none)"
        )
        severity = None
        if not call.is_setter and _compared_with_small_literal(call.call, ctx):
            severity = Severity.HINT
            message += " (comparing the raw handle with 0/-1 happens to work, but the value is not an index)"
        elif call.is_setter and len(call.args) > 3 and ctx.text(call.args[3]).replace(" ", "") == "-1":
            severity = Severity.HINT
            message += " (writing -1 happens to clear the handle, but say what you mean)"
        fix = None
        if call.extra_args == 0:
            fix = self.fix(ctx, f"Use {right}", (call.function.start_byte, call.function.end_byte, right))
        yield self.diagnostic(ctx, call.function, message, fix=fix, severity=severity)


def _compared_with_small_literal(call: Node, ctx: Context) -> bool:
    """`GetEntProp(...) > 0`, `GetEntProp(...) == -1`, ...: a has-a-handle test."""
    parent = call.parent
    if parent is None or parent.type != "binary_expression":
        return False
    op = parent.child_by_field_name("operator")
    if op is None or ctx.text(op) not in COMPARISONS:
        return False
    left, right = parent.child_by_field_name("left"), parent.child_by_field_name("right")
    other = right if left is not None and left.id == call.id else left
    return other is not None and ctx.text(other).replace(" ", "") in ("0", "-1", "1")
