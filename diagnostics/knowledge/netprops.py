"""Common L4D2 netprops and datamap fields: declaring class, PropType and value type."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from spcopilot.diagnostics.knowledge.tables import rows

# The SourceMod accessor family for each value type.
ACCESSOR_FOR_VALUE = {
    "int": "GetEntProp",
    "float": "GetEntPropFloat",
    "timer": "GetEntPropFloat",
    "entity": "GetEntPropEnt",
    "vector": "GetEntPropVector",
    "string": "GetEntPropString",
}
# Every Get/Set accessor and the value type it handles.
VALUE_OF_ACCESSOR = {
    "GetEntProp": "int",
    "SetEntProp": "int",
    "GetEntPropFloat": "float",
    "SetEntPropFloat": "float",
    "GetEntPropEnt": "entity",
    "SetEntPropEnt": "entity",
    "GetEntPropVector": "vector",
    "SetEntPropVector": "vector",
    "GetEntPropString": "string",
    "SetEntPropString": "string",
}
PROP_TYPES = ("Prop_Send", "Prop_Data")


@dataclass(frozen=True, slots=True)
class NetProp:
    name: str
    cls: str
    prop_type: str  # "Prop_Send", "Prop_Data" or "both"
    value_type: str  # int, float, entity, vector, string, timer
    notes: str = ""

    def allows(self, prop_type: str) -> bool:
        return self.prop_type == "both" or self.prop_type == prop_type

    @property
    def on_players(self) -> bool:
        return "Player" in self.cls

    @property
    def accessor(self) -> str:
        return ACCESSOR_FOR_VALUE[self.value_type]


@cache
def l4d2_netprops() -> dict[str, NetProp]:
    return {r[0]: NetProp(r[0], r[1], r[2], r[3], r[4] if len(r) > 4 else "") for r in rows("l4d2_netprops.tsv")}
