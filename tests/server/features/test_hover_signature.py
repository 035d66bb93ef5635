"""Hover and signature help on realistic plugin code."""

from __future__ import annotations

from spcopilot.server.features.hover import hover
from spcopilot.server.features.signature import signature_help

PLUGIN = """#include <sourcemod>

public void OnPluginStart()
{
    HookEvent("tank_spawned", Event_Tank);
    HookEvent("player_hurt", Event_Hurt);
}

public void Event_Tank(Event event, const char[] name, bool dontBroadcast) {}

public void Event_Hurt(Event event, const char[] name, bool dontBroadcast)
{
    int victim = GetClientOfUserId(event.GetInt("userid"));
    int health = GetEntProp(victim, Prop_Send, "m_iHealth");
    float speed = GetEntPropFloat(victim, Prop_Send, "m_flLaggedMovementValue");
}
"""


def at(text: str, needle: str, delta: int = 1) -> int:
    return len(text[: text.index(needle) + delta].encode())


def test_hover_on_a_native_shows_signature_and_doc(make_view) -> None:  # type: ignore[no-untyped-def]
    view, _ = make_view(PLUGIN)
    result = hover(view, at(PLUGIN, "GetClientOfUserId", 3))
    assert result is not None
    assert "native int GetClientOfUserId(int userid)" in result.markdown
    assert "Translates an userid index" in result.markdown
    assert view.source[result.start : result.end] == b"GetClientOfUserId"


def test_hover_on_an_event_lists_its_fields(make_view) -> None:  # type: ignore[no-untyped-def]
    view, _ = make_view(PLUGIN)
    result = hover(view, at(PLUGIN, '"player_hurt"', 3))
    assert result is not None
    assert "event `player_hurt`" in result.markdown
    assert "| `dmg_health` | short | `GetInt` |" in result.markdown
    assert view.source[result.start : result.end] == b'"player_hurt"'


def test_hover_on_an_event_field_gives_its_type(make_view) -> None:  # type: ignore[no-untyped-def]
    view, _ = make_view(PLUGIN)
    result = hover(view, at(PLUGIN, '"userid"', 2))
    assert result is not None and "`player_hurt`" in result.markdown and "short" in result.markdown


def test_hover_on_a_netprop(make_view) -> None:  # type: ignore[no-untyped-def]
    view, _ = make_view(PLUGIN)
    result = hover(view, at(PLUGIN, '"m_flLaggedMovementValue"', 4))
    assert result is not None
    assert "netprop `m_flLaggedMovementValue`" in result.markdown
    assert "Prop_Send" in result.markdown and "float" in result.markdown


def test_hover_on_a_diagnostic_shows_the_rule_docs(make_view) -> None:  # type: ignore[no-untyped-def]
    view, _ = make_view(PLUGIN)
    result = hover(view, at(PLUGIN, '"tank_spawned"', 4))
    assert result is not None
    assert "**SPC201**" in result.markdown and "#### Why is this bad?" in result.markdown


def test_no_hover_on_whitespace(make_view) -> None:  # type: ignore[no-untyped-def]
    view, _ = make_view(PLUGIN)
    assert hover(view, at(PLUGIN, "\n\npublic void Event_Tank", 1)) is None


def test_signature_help_tracks_the_argument(make_view) -> None:  # type: ignore[no-untyped-def]
    view, offset = make_view(
        "#include <sourcemod>\nvoid F(int client)\n{\n    CreateTimer(1.0, T, GetClientUserId(client), |\n}\n"
    )
    result = signature_help(view, offset)
    assert result is not None
    sig = result.signatures[result.active_signature]
    assert sig.label == "native Handle CreateTimer(float interval, Timer func, any data = 0, int flags = 0)"
    assert result.active_parameter == 3
    assert sig.parameters[3] == ("int flags = 0", "Flags to set (such as repeatability or auto-Handle closing).")


def test_signature_help_inside_a_nested_call_and_a_method(make_view) -> None:  # type: ignore[no-untyped-def]
    view, offset = make_view("#include <sourcemod>\nvoid F(Event event)\n{\n    GetClientOfUserId(event.GetInt(|\n}\n")
    result = signature_help(view, offset)
    assert result is not None and result.signatures[0].label.startswith("public native int GetInt(")
    view, offset = make_view('#include <sourcemod>\nvoid F()\n{\n    PrintToChatAll("%d %d", 1, 2, |\n}\n')
    result = signature_help(view, offset)
    assert result is not None and result.active_parameter == 1  # the variadic parameter


def test_signature_help_for_a_constructor(make_view) -> None:  # type: ignore[no-untyped-def]
    view, offset = make_view("#include <sourcemod>\nvoid F()\n{\n    ArrayList a = new ArrayList(|\n}\n")
    result = signature_help(view, offset)
    assert result is not None and "ArrayList(int blocksize = 1" in result.signatures[0].label
