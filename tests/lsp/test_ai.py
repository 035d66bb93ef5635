"""AI features over real stdio, with the replay backend (recorded model outputs) as the model:
inline completion (standard and custom request), the cache, feedback, the generation commands,
the guard on what they deliver, and the `none` backend's message. The llama.cpp and OpenAI
backends are exercised in tests/model/."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from tests.lsp.conftest import Session, position_of, start, stop

PLUGIN = """#include <sourcemod>

public void OnPluginStart()
{
    HookEvent("
}
"""

REPLAY = [
    {
        "contains": "slay every survivor",
        "output": '```sourcepawn\n#include <sourcemod>\n\npublic void OnPluginStart()\n{\n    float f = RandomFloat(0.0, 1.0);\n    PrintToServer("%f", f);\n}\n```',
    },
    {"contains": "Explain what this SourcePawn code does", "output": "It hooks **lunge_pounce**."},
    {
        "contains": "This code has a problem",
        "output": '```sourcepawn\npublic void OnPluginStart()\n{\n    HookEvent("lunge_pounce", Event_Pounce);\n}\n```',
    },
    # a hallucinated event name and API: the guard must repair both before the user sees them
    {"contains": 'HookEvent("', "output": 'pounce", Event_Pounce);\n    float f = RandomFloat(0.0, 1.0);'},
    {"output": '    PrintToServer("ok");'},
]


def write_replay(root: Path) -> Path:
    path = root / "replay.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in REPLAY), encoding="utf-8")
    return path


async def start_ai(tmp_path: Path, client: str = "vscode", **options: Any) -> Session:
    from tests.lsp.conftest import copy_workspace

    root = copy_workspace(tmp_path)
    replay = write_replay(root)
    init = {
        "lint-workspace": False,
        "backend": "replay",
        "replay-file": str(replay),
        "inline-debounce-ms": 1,
        **options,
    }
    session = await start(tmp_path, client, root=root, init_options=init)
    session.applied = []  # type: ignore[attr-defined]

    @session.client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        session.applied.append(params.edit)  # type: ignore[attr-defined]
        return types.ApplyWorkspaceEditResult(applied=True)

    return session


def inline_params(uri: str, position: types.Position) -> types.InlineCompletionParams:
    return types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri),
        position=position,
        context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic),
    )


async def test_inline_completion_is_guarded_and_single_line(tmp_path: Path) -> None:
    s = await start_ai(tmp_path)
    try:
        uri = s.open("scripting/new.sp", PLUGIN)
        at = position_of(PLUGIN, 'HookEvent("', len('HookEvent("'))
        result = await s.client.text_document_inline_completion_async(inline_params(uri, at))
        assert result is not None
        items = result.items if isinstance(result, types.InlineCompletionList) else result
        assert [i.insert_text for i in items] == ['lunge_pounce", Event_Pounce);']  # fixed, and one line only
        assert items[0].command is not None and items[0].command.command == "spcopilot.inlineAccepted"
    finally:
        await stop(s)


async def test_custom_inline_request_serves_clients_without_lsp_inline_completion(tmp_path: Path) -> None:
    s = await start_ai(tmp_path, "neovim-0.7")
    try:
        uri = s.open("scripting/new.sp", PLUGIN)
        at = position_of(PLUGIN, 'HookEvent("', len('HookEvent("'))
        params = {"textDocument": {"uri": uri}, "position": {"line": at.line, "character": at.character},
                  "context": {"triggerKind": 2}}  # fmt: skip
        result = await s.client.protocol.send_request_async("spcopilot/inlineCompletion", params)
        texts = [item.insertText for item in result.items]
        assert texts == ['lunge_pounce", Event_Pounce);']
        # typing through the suggestion: served from the cache, the rest of it
        s.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangePartial(range=types.Range(at, at), text="lunge")],
            )
        )
        after = types.Position(at.line, at.character + len("lunge"))
        params["position"] = {"line": after.line, "character": after.character}
        result = await s.client.protocol.send_request_async("spcopilot/inlineCompletion", params)
        assert [item.insertText for item in result.items] == ['_pounce", Event_Pounce);']
        info = await s.client.workspace_execute_command_async(types.ExecuteCommandParams(command="spcopilot.info"))
        assert info["session"]["requests"] == 1  # the second suggestion cost no model call
    finally:
        await stop(s)


async def test_feedback_is_logged_locally_as_jsonl(tmp_path: Path) -> None:
    s = await start_ai(tmp_path)
    try:
        uri = s.open("scripting/new.sp", PLUGIN)
        at = position_of(PLUGIN, 'HookEvent("', len('HookEvent("'))
        result = await s.client.text_document_inline_completion_async(inline_params(uri, at))
        item = result.items[0] if isinstance(result, types.InlineCompletionList) else result[0]
        assert item.command is not None
        await s.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=item.command.command, arguments=item.command.arguments)
        )
        s.client.protocol.notify("spcopilot/inlineCompletionFeedback", {"id": item.command.arguments[0]["id"],
                                                                       "kind": "partial", "acceptedLength": 5})  # fmt: skip
        log = tmp_path / "cache" / "feedback" / "inline.jsonl"
        for _ in range(200):
            if log.exists() and len(log.read_text().splitlines()) == 2:
                break
            await asyncio.sleep(0.02)
        rows = [json.loads(line) for line in log.read_text().splitlines()]
        assert [(r["kind"], r["accepted_length"]) for r in rows] == [("accept", len(item.insert_text)), ("partial", 5)]
        assert rows[0]["suggestion"] == item.insert_text and rows[0]["prefix"].endswith('HookEvent("')
    finally:
        await stop(s)


async def test_generate_plugin_creates_a_guarded_file_through_an_edit(tmp_path: Path) -> None:
    s = await start_ai(tmp_path)
    try:
        result = await s.client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command="spcopilot.generatePlugin", arguments=[{"prompt": "slay every survivor at round start"}]
            )
        )
        assert result["applied"] is True and result["uri"].endswith("slay_every_survivor_at_round_start.sp")
        assert "GetRandomFloat(0.0, 1.0)" in result["text"] and "RandomFloat(0.0" not in result["text"].replace(
            "GetRandomFloat", ""
        )
        assert "SPC101" in result["summary"]
        edit = s.applied[0]  # type: ignore[attr-defined]
        create, write = edit.document_changes
        assert isinstance(create, types.CreateFile) and create.options.overwrite is False
        assert write.edits[0].new_text == result["text"]
        assert not (s.root / "scripting" / "slay_every_survivor_at_round_start.sp").exists()  # only through the edit
    finally:
        await stop(s)


async def test_explain_fix_with_model_and_fix_all(tmp_path: Path) -> None:
    s = await start_ai(tmp_path)
    try:
        text = 'public void OnPluginStart()\n{\n    HookEvent("pounce", Event_Pounce);\n}\n'
        uri = s.open("scripting/p.sp", text)
        whole = types.Range(types.Position(0, 0), types.Position(4, 0))
        markdown = await s.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="spcopilot.explain", arguments=[{"uri": uri, "range": whole}])
        )
        assert markdown.startswith("It hooks **lunge_pounce**.")
        diagnostics = await s.diagnostics(uri)
        spc201 = next(d for d in diagnostics if d.code == "SPC201")
        actions = await s.client.text_document_code_action_async(
            types.CodeActionParams(
                types.TextDocumentIdentifier(uri), spc201.range, types.CodeActionContext(diagnostics=[spc201])
            )
        )
        # offered as a code action (lsprotocol's client-side converter reads any CodeAction that has
        # a `command` as a bare Command, so the arguments are rebuilt here as an editor sends them)
        assert "Fix SPC201 with the model" in [a.title for a in actions]
        argument = {"uri": uri, "diagnostic": {"range": spc201.range, "code": "SPC201", "message": spc201.message}}
        result = await s.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="spcopilot.fixWithModel", arguments=[argument])
        )
        assert result["applied"] and 'HookEvent("lunge_pounce"' in result["text"]
        result = await s.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="spcopilot.fixAll", arguments=[{"uri": uri}])
        )
        assert result["applied"] and "1 fix" in result["title"]
    finally:
        await stop(s)


async def test_without_a_backend_ai_requests_say_how_to_configure(tmp_path: Path) -> None:
    s = await start(tmp_path, "vscode", init_options={"lint-workspace": False})
    try:
        uri = s.open("scripting/new.sp", PLUGIN)
        at = position_of(PLUGIN, 'HookEvent("', len('HookEvent("'))
        assert await s.client.text_document_inline_completion_async(inline_params(uri, at)) is None
        with pytest.raises(Exception, match=r"No AI backend is configured.*backend"):
            await s.client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="spcopilot.generatePlugin", arguments=[{"prompt": "x"}])
            )
        # and the server keeps serving
        assert await s.diagnostics(uri) is not None
    finally:
        await stop(s)


async def test_bad_ai_params_get_an_error_not_a_crash(tmp_path: Path) -> None:
    s = await start_ai(tmp_path)
    try:
        with pytest.raises(Exception, match="invalid arguments"):
            await s.client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="spcopilot.generatePlugin", arguments=[{"nope": 1}])
            )
        with pytest.raises(Exception, match="invalid arguments"):
            await s.client.protocol.send_request_async("spcopilot/inlineCompletion", {"position": {}})
        info = await s.client.workspace_execute_command_async(types.ExecuteCommandParams(command="spcopilot.info"))
        assert info["settings"]["backend"] == "replay"
    finally:
        await stop(s)


async def test_the_ai_table_of_the_workspace_config_is_read(tmp_path: Path) -> None:
    from tests.lsp.conftest import copy_workspace

    root = copy_workspace(tmp_path)
    write_replay(root)
    (root / ".spcopilot.toml").write_text('[ai]\nbackend = "replay"\nreplay-file = "replay.jsonl"\n', encoding="utf-8")
    s = await start(tmp_path, "vscode", root=root, init_options={"lint-workspace": False})
    try:
        info = await s.client.workspace_execute_command_async(types.ExecuteCommandParams(command="spcopilot.info"))
        assert info["settings"]["backend"] == "replay"
        assert info["settings"]["replay-file"] == str((root / "replay.jsonl").resolve())
        uri = s.open("scripting/new.sp", PLUGIN)
        assert await s.diagnostics(uri) is not None  # the engine reads the same file without complaint
    finally:
        await stop(s)


def test_auto_closed_pairs_are_covered_by_the_items_range() -> None:
    from spcopilot.server.ai.inline.auto_close import auto_closed_overlap

    assert auto_closed_overlap('round_start", Event_RoundStart);', '")') == '")'
    assert auto_closed_overlap("client, 100);", ")") == ")"
    assert auto_closed_overlap("client", ")") == ""  # the suggestion does not close it: insert before it
    assert auto_closed_overlap('x", E);', '", Event_Other);') == ""  # real code after the cursor is never replaced
    assert auto_closed_overlap("abc", "") == ""


async def test_inline_item_replaces_an_auto_closed_quote(tmp_path: Path) -> None:
    s = await start_ai(tmp_path)
    try:
        text = PLUGIN.replace('HookEvent("\n', 'HookEvent("")\n')
        uri = s.open("scripting/new.sp", text)
        at = position_of(text, 'HookEvent("', len('HookEvent("'))
        result = await s.client.text_document_inline_completion_async(inline_params(uri, at))
        items = result.items if isinstance(result, types.InlineCompletionList) else result
        item = items[0]
        assert item.insert_text == 'lunge_pounce", Event_Pounce);'
        assert item.range == types.Range(at, types.Position(at.line, at.character + 2))  # covers the `")`
    finally:
        await stop(s)


async def test_no_suggestion_repeats_the_text_just_accepted(tmp_path: Path) -> None:
    """An editor asks again at the end of an accepted suggestion, and the model answers what it
    answered a moment ago: nothing is offered there (it would be written twice)."""
    s = await start_ai(tmp_path)
    try:
        text = PLUGIN.replace('HookEvent("\n', 'HookEvent("")\n')
        uri = s.open("scripting/new.sp", text)
        at = position_of(text, 'HookEvent("', len('HookEvent("'))
        result = await s.client.text_document_inline_completion_async(inline_params(uri, at))
        [item] = result.items if isinstance(result, types.InlineCompletionList) else result or []
        assert isinstance(item.insert_text, str) and item.range is not None
        cursor = text.index('HookEvent("') + len('HookEvent("')
        accepted = text[:cursor] + item.insert_text + text[cursor + item.range.end.character - at.character :]
        s.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=accepted)],
            )
        )
        assert 'HookEvent("lunge_pounce", Event_Pounce);\n}' in accepted
        end = types.Position(at.line, at.character + len(item.insert_text))
        again = await s.client.text_document_inline_completion_async(inline_params(uri, end))
        assert again is None or not (again.items if isinstance(again, types.InlineCompletionList) else again)
    finally:
        await stop(s)


async def test_a_suggestion_for_an_older_version_is_dropped(tmp_path: Path) -> None:
    s = await start_ai(tmp_path, **{"inline-debounce-ms": 400})
    try:
        uri = s.open("scripting/new.sp", PLUGIN)
        at = position_of(PLUGIN, 'HookEvent("', len('HookEvent("'))
        pending = asyncio.ensure_future(s.client.text_document_inline_completion_async(inline_params(uri, at)))
        await asyncio.sleep(0.05)  # the request is waiting out its debounce
        end = types.Position(6, 0)
        s.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangePartial(range=types.Range(end, end), text="// more\n")],
            )
        )
        assert await pending is None
        # asked again for the new version, it answers
        result = await s.client.text_document_inline_completion_async(inline_params(uri, at))
        assert result is not None
    finally:
        await stop(s)


async def test_the_api_key_from_the_editor_reaches_no_log_line(tmp_path: Path) -> None:
    key = "sk-editor-secret-0123456789abcdefghij"
    init = {"lint-workspace": False, "log-level": "debug", "backend": "openai", "model": "ft:gpt-4o-mini:x",
            "base-url": "http://127.0.0.1:9/v1", "api-key": key, "max-retries": 0, "timeout": 2}  # fmt: skip
    s = await start(tmp_path, "vscode", init_options=init)
    try:
        with pytest.raises(Exception, match="cannot reach") as raised:
            await s.client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="spcopilot.generatePlugin", arguments=[{"prompt": "x"}])
            )
        assert key not in str(raised.value)
        info = await s.client.workspace_execute_command_async(types.ExecuteCommandParams(command="spcopilot.info"))
        assert info["settings"]["api-key"] == "(set)" and key not in json.dumps(info)
        messages = [m.message for m in s.client.log_messages] + [m.message for m in s.client.messages]
        assert messages and not any(key in m for m in messages)
    finally:
        await stop(s)
