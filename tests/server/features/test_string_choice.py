"""Which catalogue names the string under the cursor must be (inline completion's constrained
decoding): events, the hooked events' fields, netprops of the PropType; nothing elsewhere."""

from __future__ import annotations

from spcopilot.diagnostics.knowledge.events import builtin_l4d2
from spcopilot.diagnostics.knowledge.netprops import l4d2_netprops
from spcopilot.server.features.completion import string_choice

PLUGIN = """#include <sourcemod>

public void OnPluginStart()
{
    HookEvent("player_hurt", Event_Hurt);
    HookEvent("player_death", Event_Hurt);
    %s
}

public void Event_Hurt(Event event, const char[] name, bool dontBroadcast)
{
    %s
}
"""


def choice_at(make_view, start: str = "", callback: str = ""):  # type: ignore[no-untyped-def]
    view, at = make_view(PLUGIN % (start, callback))
    return string_choice(view, at)


def test_event_names_in_hookevent_typed_or_not_closed_or_auto_closed(make_view) -> None:  # type: ignore[no-untyped-def]
    events = tuple(builtin_l4d2().names())
    for written, typed in [
        ('HookEvent("|', ""),  # the string just opened, nothing after it on the line
        ('HookEvent("tank_sp|', "tank_sp"),
        ('HookEvent("tank_sp|", Event_Tank);', "tank_sp"),  # the editor closed quote and call
        ('HookEventEx("|")', ""),
        ('UnhookEvent("round_|', "round_"),
    ]:
        found = choice_at(make_view, written)
        assert found is not None, written
        assert (found.kind, found.typed) == ("event", typed), written
        assert found.names == events


def test_fields_of_the_callbacks_hooked_events_only(make_view) -> None:  # type: ignore[no-untyped-def]
    catalogue = builtin_l4d2()
    hurt, death = catalogue.get("player_hurt"), catalogue.get("player_death")
    assert hurt is not None and death is not None
    expected = tuple(sorted({*hurt.fields, *death.fields}))
    for written, typed in [
        ('int victim = GetClientOfUserId(event.GetInt("|', ""),
        ('int dmg = event.GetInt("dmg_|"));', "dmg_"),
        ('float d = GetEventFloat(event, "|', ""),
        ('char weapon[32];\n    event.GetString("weap|", weapon, sizeof(weapon));', "weap"),
    ]:
        found = choice_at(make_view, callback=written)
        assert found is not None, written
        assert (found.kind, found.typed, found.names) == ("event field", typed, expected), written
    assert "dmg_health" in expected and "tank_spawn" not in expected


def test_fields_only_of_the_callbacks_event(make_view) -> None:  # type: ignore[no-untyped-def]
    for callback in [
        'KeyValues kv = new KeyValues("x");\n    int v = kv.GetNum("|',
        'KeyValues kv = new KeyValues("x");\n    char s[8];\n    kv.GetString("|", s, sizeof(s));',
        'StringMap map = new StringMap();\n    int v;\n    map.GetValue("|", v);',
        'Event other = CreateEvent("player_hurt");\n    int v = other.GetInt("|',
        'int v = GetEventInt(view_as<Event>(0), "|',
    ]:
        assert choice_at(make_view, callback=callback) is None, callback


def test_fields_need_known_hooked_events(make_view) -> None:  # type: ignore[no-untyped-def]
    view, at = make_view(
        "#include <sourcemod>\npublic void Unhooked(Event event, const char[] name, bool dontBroadcast)\n"
        '{\n    int u = event.GetInt("|\n}\n'
    )
    assert string_choice(view, at) is None  # no HookEvent names it: its fields are nobody's to say


def test_netprops_of_the_prop_type(make_view) -> None:  # type: ignore[no-untyped-def]
    props = l4d2_netprops()
    send = tuple(sorted(n for n, p in props.items() if p.allows("Prop_Send")))
    data = tuple(sorted(n for n, p in props.items() if p.allows("Prop_Data")))
    assert send != data
    found = choice_at(make_view, callback='int c = GetEntProp(1, Prop_Send, "m_z|')
    assert found is not None and (found.kind, found.typed, found.names) == ("netprop", "m_z", send)
    found = choice_at(make_view, callback='SetEntPropFloat(1, Prop_Data, "|", 1.0);')
    assert found is not None and (found.kind, found.names) == ("netprop", data)


def test_nothing_outside_catalogue_strings(make_view) -> None:  # type: ignore[no-untyped-def]
    for start, callback in [
        ("HookEvent(|", ""),  # not inside the string yet
        ('PrintToServer("|', ""),
        ('HookEvent("player_hurt", Event_Hurt); // HookEvent("|', ""),
        ("", 'int c = GetEntProp(1, Prop_Send, "m_iHealth") + |'),
        ("", 'PrintToChatAll("%s", "|'),
        ('FindConVar("|', ""),  # ConVars and phrases are not closed sets
    ]:
        assert choice_at(make_view, start, callback) is None, (start, callback)
