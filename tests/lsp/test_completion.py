"""Each completion context over the protocol, for a VS Code-like and a Neovim-like client."""

from __future__ import annotations

from lsprotocol import types

from .conftest import Session, apply_text_edits, encoding_of, position_of

CALLBACKS = """#include <sourcemod>

public void OnPluginStart()
{
    HookEvent("player_hurt", Event_Hurt);
}

public void Event_Hurt(Event event, const char[] name, bool dontBroadcast)
{
    int victim = GetClientOfUserId(event.GetInt(""));
    int weapon = event.GetInt("");
    int health = GetEntProp(victim, Prop_Send, "");
    ArrayList list = new ArrayList();
    list.
    GetClientOf
}
"""


async def complete(
    session: Session, uri: str, text: str, needle: str, delta: int, trigger: str | None = None
) -> types.CompletionList:
    position = position_of(text, needle, delta, encoding_of(session))
    context = (
        types.CompletionContext(types.CompletionTriggerKind.TriggerCharacter, trigger)
        if trigger
        else types.CompletionContext(types.CompletionTriggerKind.Invoked)
    )
    result = await session.client.text_document_completion_async(
        types.CompletionParams(types.TextDocumentIdentifier(uri), position, context)
    )
    assert isinstance(result, types.CompletionList)
    return result


def item(result: types.CompletionList, label: str) -> types.CompletionItem:
    return next(i for i in result.items if i.label == label)


async def test_event_names(session: Session) -> None:
    text = '#include <sourcemod>\npublic void OnPluginStart()\n{\n    HookEvent("tank_", E);\n}\n'
    uri = session.open("scripting/new.sp", text)
    result = await complete(session, uri, text, 'HookEvent("tank_', 16)
    tank = item(result, "tank_spawn")
    assert tank.kind == types.CompletionItemKind.Event
    assert 'HookEvent("tank_spawn", E);' in apply_text_edits(text, [tank.text_edit], encoding_of(session))  # type: ignore[list-item]
    resolved = await session.client.completion_item_resolve_async(tank)
    assert resolved.documentation is not None and "| `userid` |" in resolved.documentation.value  # type: ignore[union-attr]


async def test_event_fields_with_accessors(session: Session) -> None:
    uri = session.open("scripting/new.sp", CALLBACKS)
    result = await complete(session, uri, CALLBACKS, 'event.GetInt("', 14, trigger='"')
    assert item(result, "userid").detail == "short → event.GetInt"
    assert "ability" not in {i.label for i in result.items}
    result = await complete(session, uri, CALLBACKS, 'weapon = event.GetInt("', 23, trigger='"')
    weapon = item(result, "weapon")
    fixed = apply_text_edits(CALLBACKS, [weapon.text_edit, *(weapon.additional_text_edits or [])], encoding_of(session))  # type: ignore[list-item]
    assert 'int weapon = event.GetString("weapon");' in fixed


async def test_netprops(session: Session) -> None:
    uri = session.open("scripting/new.sp", CALLBACKS)
    result = await complete(session, uri, CALLBACKS, 'Prop_Send, "', 12, trigger='"')
    assert item(result, "m_iHealth").kind == types.CompletionItemKind.Property
    speed = item(result, "m_flLaggedMovementValue")
    fixed = apply_text_edits(CALLBACKS, [speed.text_edit, *(speed.additional_text_edits or [])], encoding_of(session))  # type: ignore[list-item]
    assert 'GetEntPropFloat(victim, Prop_Send, "m_flLaggedMovementValue")' in fixed


async def test_methodmap_members(session: Session) -> None:
    uri = session.open("scripting/new.sp", CALLBACKS)
    result = await complete(session, uri, CALLBACKS, "list.", 5, trigger=".")
    labels = {i.label for i in result.items}
    assert {"Push", "Length", "Close"} <= labels
    push = await session.client.completion_item_resolve_async(item(result, "Push"))
    assert push.detail == "public native int Push(any value)"


async def test_natives_resolve_lazily(session: Session) -> None:
    uri = session.open("scripting/new.sp", CALLBACKS)
    result = await complete(session, uri, CALLBACKS, "    GetClientOf\n", 15)
    native = item(result, "GetClientOfUserId")
    assert native.documentation is None
    resolved = await session.client.completion_item_resolve_async(native)
    assert resolved.detail == "native int GetClientOfUserId(int userid)"
    assert "Translates an userid" in resolved.documentation.value  # type: ignore[union-attr]


async def test_snippets_follow_snippet_support(session: Session) -> None:
    text = "#include <sourcemod>\npublic void OnPluginStart()\n{\n    hookev\n}\n"
    uri = session.open("scripting/new.sp", text)
    result = await complete(session, uri, text, "hookev", 6)
    snippet = item(result, "hookevent")
    supports = bool(session.capabilities.text_document.completion.completion_item.snippet_support)  # type: ignore[union-attr]
    assert (snippet.insert_text_format == types.InsertTextFormat.Snippet) == supports
    assert ("${1:player_death}" in snippet.text_edit.new_text) == supports  # type: ignore[union-attr]
    (stub,) = snippet.additional_text_edits or []
    assert "public void Event_Hooked(Event event, const char[] name, bool dontBroadcast)" in stub.new_text
