"""Completion contexts, each from a realistic bit of plugin with the cursor marked `|`."""

from __future__ import annotations

from spcopilot.server.features.completion import complete, resolve

HOOKED = """#include <sourcemod>

public void OnPluginStart()
{
    HookEvent("player_death", Event_Death);
    HookEvent("player_hurt", Event_Death);
}

public void Event_Death(Event event, const char[] name, bool dontBroadcast)
{
    %s
}
"""


def labels(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.label for c in result.items]


def test_event_names_in_hookevent(make_view) -> None:  # type: ignore[no-untyped-def]
    view, at = make_view('#include <sourcemod>\npublic void OnPluginStart()\n{\n    HookEvent("tank_sp|", E);\n}\n')
    result = complete(view, at)
    names = labels(result)
    assert "tank_spawn" in names and "player_death" in names
    item = next(c for c in result.items if c.label == "tank_spawn")
    assert item.kind == "event"
    start, end = item.replace  # type: ignore[misc]
    assert view.source[start:end] == b"tank_sp"  # the string's content, quotes kept


def test_event_names_after_an_open_paren_come_quoted(make_view) -> None:  # type: ignore[no-untyped-def]
    view, at = make_view("#include <sourcemod>\npublic void OnPluginStart()\n{\n    UnhookEvent(|\n}\n")
    item = next(c for c in complete(view, at).items if c.label == "round_start")
    assert item.insert_text == '"round_start"'


def test_event_names_follow_the_detected_game(make_view) -> None:  # type: ignore[no-untyped-def]
    l4d1 = '#include <sourcemod>\n#include <l4d_stocks>\npublic void OnPluginStart()\n{\n    if (GetEngineVersion() == Engine_Left4Dead) {}\n    HookEvent("|", E);\n}\n'
    view, at = make_view(l4d1)
    assert view.game.game == "l4d1"
    names = labels(complete(view, at))
    assert "player_death" in names and "charger_carry_start" not in names
    tf2 = '#include <sourcemod>\n#include <tf2_stocks>\npublic void OnPluginStart()\n{\n    HookEvent("|", E);\n}\n'
    view, at = make_view(tf2)
    assert view.game.game == "tf2"
    assert labels(complete(view, at)) == []


def test_event_fields_are_those_of_the_hooked_events(make_view) -> None:  # type: ignore[no-untyped-def]
    view, at = make_view(HOOKED % 'int x = event.GetInt("|");')
    result = complete(view, at)
    names = labels(result)
    assert "userid" in names and "attacker" in names and "dmg_health" in names  # player_hurt's too
    assert "ability" not in names  # ability_use's, not hooked here
    userid = next(c for c in result.items if c.label == "userid")
    assert userid.detail == "short → event.GetInt"
    assert not userid.additional_edits


def test_a_wrong_accessor_is_shown_and_fixed_with_an_additional_edit(make_view) -> None:  # type: ignore[no-untyped-def]
    view, at = make_view(HOOKED % 'int w = event.GetInt("|");')
    weapon = next(c for c in complete(view, at).items if c.label == "weapon")
    assert "GetString" in weapon.label_detail
    ((start, end, text),) = weapon.additional_edits
    assert view.source[start:end] == b"GetInt" and text == "GetString"


def test_old_style_event_getters(make_view) -> None:  # type: ignore[no-untyped-def]
    view, at = make_view(HOOKED % 'float h = GetEventFloat(event, "dmg|");')
    item = next(c for c in complete(view, at).items if c.label == "dmg_health")
    assert item.detail == "short → GetEventInt"
    assert not item.additional_edits  # an int read as a float is fine


def test_unhooked_callbacks_get_every_field(make_view) -> None:  # type: ignore[no-untyped-def]
    text = '#include <sourcemod>\npublic void Event_X(Event event, const char[] name, bool dontBroadcast)\n{\n    event.GetInt("|");\n}\n'
    view, at = make_view(text)
    names = labels(complete(view, at))
    assert "userid" in names and "ability" in names


def test_netprops_match_the_prop_type(make_view) -> None:  # type: ignore[no-untyped-def]
    view, at = make_view(
        '#include <sourcemod>\nvoid F(int client)\n{\n    int i = GetEntProp(client, Prop_Send, "m_|");\n}\n'
    )
    result = complete(view, at)
    names = labels(result)
    assert "m_zombieClass" in names
    speed = next(c for c in result.items if c.label == "m_flLaggedMovementValue")
    assert "GetEntPropFloat" in speed.label_detail
    assert speed.additional_edits[0][2] == "GetEntPropFloat"
    data_only = [c for c in result.items if "(Prop_Data)" in c.detail]
    assert not data_only


def test_methodmap_members_after_a_dot(make_view) -> None:  # type: ignore[no-untyped-def]
    view, at = make_view("#include <sourcemod>\nvoid F()\n{\n    ArrayList list = new ArrayList();\n    list.|\n}\n")
    names = labels(complete(view, at))
    assert {"Push", "Length", "Clear", "Close"} <= set(names)  # Close is inherited from Handle
    assert "ArrayList" not in names  # constructors are not members


def test_members_of_a_global_and_of_a_parameter(make_view) -> None:  # type: ignore[no-untyped-def]
    text = "#include <sourcemod>\nConVar g_cvEnabled;\nvoid F(Event event)\n{\n    if (g_cvEnabled.|) {}\n}\n"
    view, at = make_view(text)
    assert "BoolValue" in labels(complete(view, at))
    view, at = make_view("#include <sourcemod>\nvoid F(Event event)\n{\n    event.Get|\n}\n")
    assert {"GetInt", "GetBool", "GetFloat", "GetString"} <= set(labels(complete(view, at)))


def test_natives_stocks_and_forwards(make_view) -> None:  # type: ignore[no-untyped-def]
    view, at = make_view("#include <sourcemod>\n#include <l4d2_helpers>\nvoid F(int client)\n{\n    L4D2_|\n}\n")
    assert {"L4D2_IsSurvivor", "L4D2_GetZombieClass"} <= set(labels(complete(view, at)))
    view, at = make_view("#include <sourcemod>\nOnClientPut|")
    item = next(c for c in complete(view, at).items if c.label == "OnClientPutInServer")
    assert item.snippet and item.insert_text.startswith("public void OnClientPutInServer(int client)")
    view, at = make_view("#include <sourcemod>\npublic OnClientPut|")  # `public` already written
    item = next(c for c in complete(view, at).items if c.label == "OnClientPutInServer")
    assert item.insert_text.startswith("void OnClientPutInServer(int client)\n{")
    view, at = make_view("#include <sourcemod>\npublic void OnClientPut|")  # and the return type too
    item = next(c for c in complete(view, at).items if c.label == "OnClientPutInServer")
    assert item.insert_text.startswith("OnClientPutInServer(int client)\n{")


def test_details_and_docs_are_resolved_lazily(make_view) -> None:  # type: ignore[no-untyped-def]
    view, at = make_view("#include <sourcemod>\nvoid F()\n{\n    GetClientOfU|\n}\n")
    item = next(c for c in complete(view, at).items if c.label == "GetClientOfUserId")
    assert item.documentation == "" and item.resolve is not None
    detail, markdown = resolve(view, item.resolve)
    assert detail == "native int GetClientOfUserId(int userid)"
    assert "Translates an userid" in markdown


def test_snippets_with_callbacks(make_view) -> None:  # type: ignore[no-untyped-def]
    view, at = make_view("#include <sourcemod>\npublic void OnPluginStart()\n{\n    time|\n}\n")
    timer = next(c for c in complete(view, at).items if c.label == "timer-userid")
    assert timer.snippet and "GetClientUserId(${2:client})" in (timer.insert_text or "")
    ((start, end, stub),) = timer.additional_edits
    assert start == end == len(view.source.rstrip(b"\n"))  # after the enclosing function
    assert "public Action Timer_Client(Handle timer, int userid)" in stub
    view, at = make_view("plug|")
    plugin = next(c for c in complete(view, at).items if c.label == "plugin")
    assert "public Plugin myinfo" in (plugin.insert_text or "") and "OnPluginStart" in (plugin.insert_text or "")


def test_snippets_without_snippet_support_are_plain_text(make_view) -> None:  # type: ignore[no-untyped-def]
    view, at = make_view("myinf|")
    item = next(c for c in complete(view, at, snippets=False).items if c.label == "myinfo")
    assert (
        not item.snippet and "${" not in (item.insert_text or "") and 'name = "My Plugin"' in (item.insert_text or "")
    )


def test_nothing_in_comments_and_plain_strings(make_view) -> None:  # type: ignore[no-untyped-def]
    view, at = make_view('#include <sourcemod>\n// HookEvent("|\nvoid F() {}\n')
    assert labels(complete(view, at)) == []
    view, at = make_view('#include <sourcemod>\nvoid F() { PrintToChatAll("Hook|"); }\n')
    assert labels(complete(view, at)) == []


def test_long_lists_are_cut_and_marked_incomplete(make_view) -> None:  # type: ignore[no-untyped-def]
    view, at = make_view("#include <sourcemod>\nvoid F()\n{\n    |\n}\n")
    result = complete(view, at, limit=10)
    assert len(result.items) == 10 and result.incomplete


def test_an_open_paren_only_completes_event_names(make_view) -> None:  # type: ignore[no-untyped-def]
    view, at = make_view("#include <sourcemod>\nvoid F(int client)\n{\n    PrintToChat(|\n}\n")
    assert labels(complete(view, at, trigger="(")) == []
    assert labels(complete(view, at))  # invoked by hand: everything


def test_at_file_scope_what_starts_a_declaration_comes_first(make_view) -> None:  # type: ignore[no-untyped-def]
    source = "methodmap Wallet < Handle {}\nint g_count;\nvoid Helper() {}\n\n|\n"
    view, at = make_view(source)
    names = labels(complete(view, at))
    assert names.index("Wallet") < names.index("public") < names.index("g_count")
    assert names.index("public") < names.index("Helper")
    view, at = make_view("int g_count;\nint |\n")  # where the new name goes: nothing
    assert labels(complete(view, at)) == []
