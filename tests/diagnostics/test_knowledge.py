"""Our bundled knowledge tables against the project's reference data (../shared/data)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from spcopilot.diagnostics.knowledge.apis import deprecated_natives
from spcopilot.diagnostics.knowledge.events import builtin_l4d2, field_kind, misnames
from spcopilot.diagnostics.knowledge.netprops import l4d2_netprops
from spcopilot.diagnostics.knowledge.tables import rows

REFERENCE = Path(__file__).parents[2].parent / "shared" / "data"
pytestmark = pytest.mark.skipif(not REFERENCE.is_dir(), reason=f"reference data not found at {REFERENCE}")


def reference(name: str):
    return json.loads((REFERENCE / name).read_text("utf-8"))


# -- events -----------------------------------------------------------------------------------
def test_every_reference_event_and_field_with_its_type() -> None:
    catalogue = builtin_l4d2()
    for name, event in reference("l4d2_events.json").items():
        ours = catalogue.get(name)
        assert ours is not None, f"event {name} missing"
        assert {f.name: f.type for f in ours.fields.values()} == event["fields"], name


def test_no_event_beyond_the_reference() -> None:
    assert set(builtin_l4d2().names()) == set(reference("l4d2_events.json"))


def test_field_kind_over_the_reference_gives_our_kinds() -> None:
    catalogue = builtin_l4d2()
    for name, event in reference("l4d2_events.json").items():
        fields = catalogue.get(name).fields
        for field, type_ in event["fields"].items():
            comment = event["field_comments"].get(field, "")
            assert field_kind(field, type_, comment) == fields[field].kind, f"{name}.{field}"


def test_the_tables_kind_column_is_field_kind() -> None:
    for event, field, type_, kind, note in rows("l4d2_events.tsv"):
        if field:
            assert field_kind(field, type_, note) == kind, f"{event}.{field}"


def test_misnames() -> None:
    catalogue = builtin_l4d2()
    ours = misnames()
    for wrong, info in reference("l4d2_event_misnames.json").items():
        assert wrong in ours, f"misname {wrong} missing"
        assert (wrong in catalogue) == info["exists"], wrong
        assert list(ours[wrong].replacements) == info["replacement_exists"], wrong
        for replacement in ours[wrong].replacements:
            assert replacement in catalogue, f"{wrong} -> {replacement} is not an event"


# -- netprops ---------------------------------------------------------------------------------
def our_value_type(reference_type: str) -> str:
    """The reference describes value types in words; ours are the accessor families."""
    if reference_type.startswith("CountdownTimer"):
        return "timer"
    if reference_type == "entity handle":
        return "entity"
    return re.split(r"[\s\[(]", reference_type, maxsplit=1)[0]


def test_every_reference_netprop_with_consistent_types() -> None:
    ours = l4d2_netprops()
    for name, prop in reference("l4d2_netprops.json")["props"].items():
        assert name in ours, f"netprop {name} missing"
        mentioned = re.findall(r"Prop_(?:Send|Data)", prop["prop_type"])
        assert ours[name].allows(mentioned[0]), name  # the recommended PropType works
        if len(set(mentioned)) == 2 and "only" not in prop["prop_type"]:
            assert ours[name].prop_type == "both", name  # "Prop_Send (Prop_Data also valid)"
        assert ours[name].value_type == our_value_type(prop["value_type"]), name


# -- SourceMod deprecations -------------------------------------------------------------------
def test_every_deprecated_native() -> None:
    ours = deprecated_natives()
    for line in (REFERENCE / "sm_deprecated_natives.tsv").read_text("utf-8").splitlines():
        name = line.split("\t", 1)[0]
        if not name or name == "get":  # `get` is a methodmap property accessor, not a native
            continue
        assert name in ours, f"deprecated native {name} missing"
