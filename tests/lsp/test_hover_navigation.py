"""Hover, signature help, definition, document and workspace symbols over the protocol."""

from __future__ import annotations

import asyncio
from typing import Any

from lsprotocol import types

from .conftest import Session, encoding_of, position_of


async def hover(session: Session, uri: str, text: str, needle: str, delta: int) -> str | None:
    result = await session.client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), position_of(text, needle, delta, encoding_of(session)))
    )
    return result.contents.value if result else None  # type: ignore[union-attr]


async def test_hover_kinds(session: Session) -> None:
    text = session.text("scripting/tank_alert.sp")
    uri = session.open("scripting/tank_alert.sp")
    await session.diagnostics(uri)
    native = await hover(session, uri, text, "GetClientOfUserId(event", 4)
    assert native and "native int GetClientOfUserId(int userid)" in native
    event = await hover(session, uri, text, '"player_hurt"', 3)
    assert event and "event `player_hurt`" in event and "`dmg_health`" in event
    field = await hover(session, uri, text, '"dmg_health"', 3)
    assert field and "short" in field
    prop = await hover(session, uri, text, '"m_iHealth"', 3)
    assert prop and "netprop `m_iHealth`" in prop
    rule = await hover(session, uri, text, '"tank_spawned"', 3)
    assert rule and "**SPC201**" in rule and "Why is this bad?" in rule


async def test_signature_help(session: Session) -> None:
    text = "#include <sourcemod>\nvoid F(int client)\n{\n    CreateTimer(1.0, T, GetClientUserId(client), \n}\n"
    uri = session.open("scripting/new.sp", text)
    position = position_of(text, "client), ", 9, encoding_of(session))
    result = await session.client.text_document_signature_help_async(
        types.SignatureHelpParams(types.TextDocumentIdentifier(uri), position)
    )
    assert result is not None
    assert result.signatures[0].label.startswith("native Handle CreateTimer(")
    assert result.active_parameter == 3
    param = result.signatures[0].parameters[3]  # type: ignore[index]
    label = param.label if isinstance(param.label, str) else result.signatures[0].label[param.label[0] : param.label[1]]
    assert label == "int flags = 0"


async def test_definition_into_an_include(session: Session) -> None:
    text = session.text("scripting/tank_alert.sp")
    uri = session.open("scripting/tank_alert.sp")
    position = position_of(text, "L4D2_GetZombieClass(victim)", 3, encoding_of(session))
    result = await session.client.text_document_definition_async(
        types.DefinitionParams(types.TextDocumentIdentifier(uri), position)
    )
    assert isinstance(result, list) and len(result) == 1
    assert result[0].uri.endswith("/scripting/include/l4d2_helpers.inc")
    include = (session.root / "scripting" / "include" / "l4d2_helpers.inc").read_text().splitlines()
    r = result[0].range
    assert include[r.start.line][r.start.character : r.end.character] == "L4D2_GetZombieClass"
    local = position_of(text, "Timer_RemindTank, GetClientUserId", 3, encoding_of(session))
    result = await session.client.text_document_definition_async(
        types.DefinitionParams(types.TextDocumentIdentifier(uri), local)
    )
    assert (
        result
        and result[0].uri == uri
        and text.splitlines()[result[0].range.start.line].startswith("public Action Timer_RemindTank")
    )  # type: ignore[index]


async def test_document_symbols(session: Session) -> None:
    uri = session.open("scripting/tank_alert.sp")
    result = await session.client.text_document_document_symbol_async(
        types.DocumentSymbolParams(types.TextDocumentIdentifier(uri))
    )
    assert result
    names = {s.name for s in result}
    assert {"myinfo", "OnPluginStart", "Event_TankSpawn", "Timer_RemindTank", "g_aTanks", "PLUGIN_VERSION"} <= names
    first = result[0]
    assert isinstance(
        first,
        types.DocumentSymbol
        if session.capabilities.text_document.document_symbol.hierarchical_document_symbol_support
        else types.SymbolInformation,
    )  # type: ignore[union-attr]


async def workspace_symbols_once_found(session: Session, query: str) -> list[Any]:
    """workspace/symbol asked until it finds something (5 s at most): the include index is read
    in the background, and an open document's own symbols are those of its last analysis (none
    until it has had one, which may take longer than the 50 ms a search waits for each)."""
    for _ in range(50):
        result = await session.client.workspace_symbol_async(types.WorkspaceSymbolParams(query=query))
        if result:
            return list(result)
        await asyncio.sleep(0.1)
    return []


async def test_workspace_symbols(session: Session) -> None:
    session.open("scripting/tank_alert.sp")
    result = await workspace_symbols_once_found(session, "GetClientOf")
    assert result
    names = [s.name for s in result]
    assert names[0] == "GetClientOfUserId"
    assert result[0].location.uri.endswith("/include/clients.inc")
    own = await workspace_symbols_once_found(session, "Timer_Remind")
    assert own and own[0].name == "Timer_RemindTank"


async def test_semantic_tokens_delta_after_an_edit(session: Session) -> None:
    """A delta from the last result, applied to that result, is the new full result; a stale
    result id gets the full result."""
    text = "int g_count;\nvoid Tick(int client)\n{\n    g_count += client;\n}\n"
    uri = session.open("scripting/tokens.sp", text)
    document = types.TextDocumentIdentifier(uri)
    first = await session.client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(document))
    assert first is not None and first.result_id and first.data
    edited = text.replace("    g_count += client;\n", "    int local = client;\n    g_count += local;\n")
    session.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [types.TextDocumentContentChangeWholeDocument(text=edited)],
        )
    )
    delta = await session.client.text_document_semantic_tokens_full_delta_async(
        types.SemanticTokensDeltaParams(document, previous_result_id=first.result_id)
    )
    assert isinstance(delta, types.SemanticTokensDelta) and delta.edits
    data = list(first.data)
    for edit in sorted(delta.edits, key=lambda e: e.start, reverse=True):
        data[edit.start : edit.start + edit.delete_count] = list(edit.data or [])
    full = await session.client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(document))
    assert full is not None and data == list(full.data)
    assert len(full.data) == len(first.data) + 2 * 5  # `local` declared and read: two more tokens
    stale = await session.client.text_document_semantic_tokens_full_delta_async(
        types.SemanticTokensDeltaParams(document, previous_result_id="no such result")
    )
    assert isinstance(stale, types.SemanticTokens) and list(stale.data) == list(full.data)
