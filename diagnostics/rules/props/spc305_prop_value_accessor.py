from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.knowledge.netprops import VALUE_OF_ACCESSOR, l4d2_netprops
from spcopilot.diagnostics.model import Diagnostic, Fix, Severity
from spcopilot.diagnostics.rules.base import L4D_OR_GENERIC, Rule
from spcopilot.diagnostics.rules.props.prop_calls import ACCESSORS, REQUIRED_ARGS, PropCall, prop_call
from tree_sitter import Node

# Accessor families whose calls take the same arguments, so renaming one into another is safe.
SAME_SHAPE = frozenset({"int", "float", "entity"})
VALUE_WORDS = {
    "int": "an integer",
    "float": "a float",
    "timer": "a CountdownTimer (two floats)",
    "entity": "an entity handle",
    "vector": "a vector",
    "string": "a string",
}


def _accessor(value_type: str, setter: bool) -> str:
    name = {
        "int": "EntProp",
        "float": "EntPropFloat",
        "timer": "EntPropFloat",
        "entity": "EntPropEnt",
        "vector": "EntPropVector",
        "string": "EntPropString",
    }[value_type]
    return ("Set" if setter else "Get") + name


class PropValueAccessor(Rule):
    code = "SPC305"
    name = "prop-value-accessor"
    severity = Severity.WARNING
    item_local = True
    summary = "A known netprop read or written with the accessor of another value type"
    games = L4D_OR_GENERIC
    fixable = True
    docs = """
## What it does
Flags `Get/SetEntProp*` calls whose accessor does not match the value type of a known L4D2
property: `GetEntProp` on a float such as `m_flLaggedMovementValue` or `m_healthBuffer`,
`GetEntPropFloat` on an integer such as `m_zombieClass`, `GetEntPropFloat` on a vector such
as `m_vecOrigin`, ... CountdownTimer properties (`m_nextActivationTimer`, `m_staggerTimer`)
are read with `GetEntPropFloat`. Entity handles are SPC302's.

## Why is this bad?
SourceMod checks the property's type: the call throws "SendProp m_healthBuffer type is not
integer" (or "Data field ... is not a float") and the callback stops there. Where no check
applies, the bits of a float are read as an integer (1.0 reads as 1065353216).

## Example
```sourcepawn
float speed = GetEntProp(client, Prop_Send, "m_flLaggedMovementValue");
SetEntPropFloat(client, Prop_Send, "m_isGhost", 0.0);
```

## Use instead
```sourcepawn
float speed = GetEntPropFloat(client, Prop_Send, "m_flLaggedMovementValue");
SetEntProp(client, Prop_Send, "m_isGhost", 0);
```
The fix renames the accessor when both take the same arguments (integer, float and entity
accessors without a size/element argument) and converts a literal value (`1` to `1.0`).
"""
    calls = ACCESSORS

    def check_call(self, node: Node, callee: str, ctx: Context) -> Iterator[Diagnostic]:
        call = prop_call(node, ctx)
        if call is None:
            return
        prop = l4d2_netprops().get(call.prop_name)
        if prop is None or prop.value_type == "entity":
            return
        used = VALUE_OF_ACCESSOR[call.accessor]
        wanted = "float" if prop.value_type == "timer" else prop.value_type
        if used == wanted:
            return
        right = _accessor(prop.value_type, call.is_setter)
        message = (
            f'"{call.prop_name}" is {VALUE_WORDS[prop.value_type]}, but {call.accessor} '
            f"{'writes' if call.is_setter else 'reads'} {VALUE_WORDS[used]}; use {right}"
        )
        yield self.diagnostic(ctx, call.function, message, fix=self._fix(call, right, used, wanted, ctx))

    def _fix(self, call: PropCall, right: str, used: str, wanted: str, ctx: Context) -> Fix | None:
        if used not in SAME_SHAPE or wanted not in SAME_SHAPE or call.extra_args != 0:
            return None
        if len(call.args) != REQUIRED_ARGS[right]:
            return None
        edits = [(call.function.start_byte, call.function.end_byte, right)]
        safe = True
        if call.is_setter:
            value = call.args[3]
            converted = _convert_literal(ctx.text(value), value.type, wanted)
            if converted is not None and converted != ctx.text(value):
                edits.append((value.start_byte, value.end_byte, converted))
            elif converted is None:
                safe = False  # the value expression keeps its old type
        return self.fix(ctx, f"Use {right}", *edits, safe=safe)


def _convert_literal(text: str, node_type: str, wanted: str) -> str | None:
    """`1` -> `1.0` for a float accessor, `0.0` -> `0` for an integer one; None when the value
    is not a literal that converts exactly."""
    if wanted == "float" and node_type == "int_literal" and text.isdigit():
        return f"{text}.0"
    if wanted == "float" and node_type == "float_literal":
        return text
    if wanted in ("int", "entity") and node_type == "float_literal":
        whole, _, frac = text.partition(".")
        if whole.isdigit() and frac.strip("0") == "":
            return whole
        return None
    if wanted in ("int", "entity") and node_type == "int_literal":
        return text
    return None
