"""The entity-property accessors (`GetEntProp`, `SetEntPropFloat`, ...) and the shape of a call
to one: entity, PropType and property-name arguments. Shared by the SPC3xx rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from spcopilot.diagnostics.knowledge.netprops import VALUE_OF_ACCESSOR

if TYPE_CHECKING:
    from spcopilot.diagnostics.context import Context
    from tree_sitter import Node

# Arguments each accessor takes before its optional ones (size, element, ...).
REQUIRED_ARGS = {
    "GetEntProp": 3,
    "SetEntProp": 4,
    "GetEntPropFloat": 3,
    "SetEntPropFloat": 4,
    "GetEntPropEnt": 3,
    "SetEntPropEnt": 4,
    "GetEntPropVector": 4,
    "SetEntPropVector": 4,
    "GetEntPropString": 5,
    "SetEntPropString": 4,
}
ACCESSORS = frozenset(VALUE_OF_ACCESSOR)


@dataclass(frozen=True, slots=True)
class PropCall:
    call: Node
    function: Node  # the accessor's name
    accessor: str
    entity: Node
    prop_type: str  # the PropType argument as written
    prop_type_node: Node
    prop: Node  # the string literal
    prop_name: str
    args: tuple[Node, ...]

    @property
    def is_setter(self) -> bool:
        return self.accessor.startswith("Set")

    @property
    def extra_args(self) -> int:
        """How many optional arguments (size, element) follow the required ones."""
        return len(self.args) - REQUIRED_ARGS[self.accessor]


def prop_call(call: Node, ctx: Context) -> PropCall | None:
    """A plain call `Accessor(entity, PropType, "m_name", ...)`, or None when the property is
    not a plain string literal."""
    function = call.child_by_field_name("function")
    if function is None or function.type != "identifier":
        return None
    args = tuple(ctx.args(call))
    if len(args) < 3:
        return None
    name = ctx.string_value(args[2])
    if name is None:
        return None
    return PropCall(
        call=call,
        function=function,
        accessor=ctx.text(function),
        entity=args[0],
        prop_type=ctx.text(args[1]),
        prop_type_node=args[1],
        prop=args[2],
        prop_name=name,
        args=args,
    )
