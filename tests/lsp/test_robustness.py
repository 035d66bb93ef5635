"""Bad input never stops the server: unknown documents, positions past the end, malformed
params, a 10 MB document, a binary file, a flood of changes, cancelled requests."""

from __future__ import annotations

import asyncio
import json
import uuid
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from ..native_faults import SLOW, fault_env
from .conftest import Session, apply_text_edits, edits_of, position_of, start, stop

PREFIX = "#include <sourcemod>\n"


def raw_request(session: Session, method: str, params: Any) -> asyncio.Future[Any]:
    """A request written to the server as is (whatever its params)."""
    msg_id = f"raw-{uuid.uuid4().hex[:8]}"
    future: Future[Any] = Future()
    session.client.protocol._request_futures[msg_id] = future
    body = json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}).encode()
    session.client.protocol.writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)  # type: ignore[union-attr]
    return asyncio.wrap_future(future)


async def still_serving(session: Session) -> None:
    uri = session.open("scripting/clean_plugin.sp")
    assert await session.diagnostics(uri) == []


async def test_requests_for_unknown_documents(session: Session) -> None:
    unknown = types.TextDocumentIdentifier(session.uri("scripting/not_open.sp"))
    origin = types.Position(0, 0)
    assert await session.client.text_document_hover_async(types.HoverParams(unknown, origin)) is None
    assert await session.client.text_document_completion_async(types.CompletionParams(unknown, origin)) is None
    assert await session.client.text_document_definition_async(types.DefinitionParams(unknown, origin)) is None
    assert await session.client.text_document_document_symbol_async(types.DocumentSymbolParams(unknown)) is None
    if session.pull:
        report = await session.client.text_document_diagnostic_async(types.DocumentDiagnosticParams(unknown))
        assert list(report.items) == []
    session.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=unknown.uri, version=2),
            [types.TextDocumentContentChangeWholeDocument("x")],
        )
    )
    await asyncio.sleep(0.1)
    assert any("not open" in m.message for m in session.client.log_messages)
    await still_serving(session)


async def test_positions_past_the_end(session: Session) -> None:
    uri = session.open("scripting/tank_alert.sp")
    far = types.Position(100_000, 5_000)
    doc = types.TextDocumentIdentifier(uri)
    assert await session.client.text_document_hover_async(types.HoverParams(doc, far)) is None
    result = await session.client.text_document_completion_async(types.CompletionParams(doc, far))
    assert result is not None
    await session.client.text_document_signature_help_async(types.SignatureHelpParams(doc, far))
    actions = await session.client.text_document_code_action_async(
        types.CodeActionParams(doc, types.Range(far, far), types.CodeActionContext(diagnostics=[]))
    )
    assert actions is not None
    await still_serving(session)


async def test_malformed_params_get_an_error(session: Session) -> None:
    with pytest.raises(JsonRpcException) as error:
        await raw_request(session, "textDocument/hover", {"textDocument": 42, "position": "here"})
    assert error.value.code == -32602  # InvalidParams
    with pytest.raises(JsonRpcException):
        await raw_request(session, "textDocument/completion", {"position": {"line": -1, "character": 0}})
    with pytest.raises(JsonRpcException) as unknown:
        await raw_request(session, "spcopilot/noSuchMethod", {})
    assert unknown.value.code == -32601  # MethodNotFound
    await still_serving(session)


async def test_a_10mb_document(session: Session) -> None:
    big = PREFIX + "// filler line to make the document very large indeed ...\n" * 180_000
    assert len(big) > 10_000_000
    uri = session.open("scripting/huge.sp", big)
    found = await session.diagnostics(uri, timeout=20)
    assert found == []
    for _ in range(100):
        if any("not analysed" in m.message for m in session.client.log_messages):
            break
        await asyncio.sleep(0.05)
    assert any("MB" in m.message and "not analysed" in m.message for m in session.client.log_messages)
    session.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(1, 0), types.Position(1, 2)), text="/*"
                )
            ],
        )
    )
    hover = await session.client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(1, 3))
    )
    assert hover is None
    await still_serving(session)


async def test_a_binary_file_opened_by_mistake(session: Session) -> None:
    uri = session.open("scripting/plugin.smx", "FFSP\x00\x01\x02\x03" + "\x00" * 64 + "garbage\ufffd")
    assert await session.diagnostics(uri) == []
    for _ in range(100):
        if any("binary" in m.message for m in session.client.log_messages):
            break
        await asyncio.sleep(0.05)
    assert any("binary" in m.message for m in session.client.log_messages)
    await still_serving(session)


async def test_a_flood_of_changes(session: Session) -> None:
    text = PREFIX + "public void OnPluginStart()\n{\n}\n"
    uri = session.open("scripting/flood.sp", text)
    for version in range(2, 502):
        session.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                [
                    types.TextDocumentContentChangePartial(
                        range=types.Range(types.Position(2, 1), types.Position(2, 1)), text="\n    "
                    )
                ],
            )
        )
    session.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=502),
            [
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(2, 1), types.Position(2, 1)), text='\n    HookEvent("pounce", E);'
                )
            ],
        )
    )
    found = await session.diagnostics(uri) if session.pull else await session.pushed(uri, version=502, timeout=20)
    assert [d.code for d in found] == ["SPC201"]
    assert found[0].range.start.line == 3


async def test_cancel_request(vscode: Session) -> None:
    # Once the workspace pull has nothing new, the next one is held open until something
    # changes: a request that is surely still running when the cancellation arrives.
    vscode.open("scripting/tank_alert.sp")
    first = await vscode.client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=[]))
    previous = [types.PreviousResultId(uri=i.uri, value=i.result_id) for i in first.items if i.result_id]
    assert previous
    pending_before = set(vscode.client.protocol._request_futures)
    request = asyncio.ensure_future(
        vscode.client.protocol.send_request_async(
            types.WORKSPACE_DIAGNOSTIC, types.WorkspaceDiagnosticParams(previous_result_ids=previous)
        )
    )
    await asyncio.sleep(0.3)
    assert not request.done(), "the unchanged workspace pull is held open"
    msg_id = next(k for k in vscode.client.protocol._request_futures if k not in pending_before)
    vscode.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
    with pytest.raises(JsonRpcException) as error:
        await asyncio.wait_for(request, 10)
    assert error.value.code == -32800  # RequestCancelled
    await still_serving(vscode)


async def test_workspace_questions_do_not_wait_for_another_documents_analysis(tmp_path: Path) -> None:
    # Another document's analysis is slow (it parses only once `gate` exists; a pending request on
    # it is queued first). References and rename on this document read the other files as the
    # workspace last indexed them, on this document's own thread: answered, not held behind it.
    # (They used to run alone on all the threads, and came back empty after 2 s here.)
    gate = tmp_path / "gate"
    session = await start(tmp_path, "vscode", init_options={"lint-workspace": False}, env=fault_env(tmp_path))
    try:
        text = "int counter;\n\npublic void OnPluginStart()\n{\n    counter = 1;\n    counter++;\n}\n"
        uri = session.open("scripting/fast.sp", text)
        await session.diagnostics(uri)  # (the settings are applied: that is work on the whole project)
        slow = session.open("scripting/slow.sp", f"{SLOW}{gate}*/\nint other;\n")
        stuck = asyncio.ensure_future(
            session.client.text_document_document_symbol_async(
                types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=slow))
            )
        )
        where = types.TextDocumentIdentifier(uri=uri)
        found = await session.client.text_document_references_async(
            types.ReferenceParams(
                text_document=where,
                position=position_of(text, "counter++"),
                context=types.ReferenceContext(include_declaration=True),
            )
        )
        assert found is not None and sorted(r.range.start.line for r in found) == [0, 4, 5]
        edit = await session.client.text_document_rename_async(
            types.RenameParams(text_document=where, position=position_of(text, "counter"), new_name="total")
        )
        assert apply_text_edits(text, edits_of(edit, uri)).count("total") == 3
        assert not stuck.done()  # (the slow document's request was still waiting all along)
        gate.touch()
        assert await asyncio.wait_for(stuck, 30) is not None
    finally:
        gate.touch()
        await stop(session)


async def test_an_edit_answers_the_questions_before_it_with_content_modified(tmp_path: Path) -> None:
    # The document's analysis is held (it parses only once `gate` exists) while a hover about it
    # waits; then the document changes. That hover would describe a text the editor no longer
    # has: ContentModified (editors ask again), and its parse is not done for nothing. A hover
    # sent after the edit is answered.
    gate = tmp_path / "gate"
    session = await start(tmp_path, "vscode", init_options={"lint-workspace": False}, env=fault_env(tmp_path))
    try:
        text = f"{SLOW}{gate}*/\nint other;\n"
        uri = session.open("scripting/slow.sp", text)
        where = types.TextDocumentIdentifier(uri=uri)
        before = asyncio.ensure_future(
            session.client.text_document_hover_async(types.HoverParams(where, types.Position(1, 5)))
        )
        await asyncio.sleep(0.2)
        session.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                [types.TextDocumentContentChangeWholeDocument(text=text + "int more;\n")],
            )
        )
        after = asyncio.ensure_future(
            session.client.text_document_hover_async(types.HoverParams(where, types.Position(1, 5)))
        )
        await asyncio.sleep(0.2)
        gate.touch()
        with pytest.raises(JsonRpcException) as error:
            await asyncio.wait_for(before, 30)
        assert error.value.code == -32801  # ContentModified
        answer = await asyncio.wait_for(after, 30)
        assert answer is not None and "other" in str(answer.contents)
    finally:
        gate.touch()
        await stop(session)
