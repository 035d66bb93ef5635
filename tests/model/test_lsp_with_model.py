"""The language server with the offline backend: the tiny GGUF run in-process by llama.cpp
behind inline completion, the cache, a generation command and cancellation."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types

from tests.lsp.conftest import Session, copy_workspace, position_of, start, stop
from tests.tiny_model import TinyModel

PLUGIN = "#include <sourcemod>\n\npublic void OnPluginStart()\n{\n\t\n}\n"


async def start_local(tmp_path: Path, tiny_model: TinyModel, debounce_ms: int = 1) -> Session:
    root = copy_workspace(tmp_path)
    init = {"lint-workspace": False, "backend": "llamacpp", "gguf": str(tiny_model.gguf_f16), "threads": 1,
            "context-size": 4096, "temperature": 0.0, "inline-debounce-ms": debounce_ms, "max-tokens": 256}  # fmt: skip
    session = await start(tmp_path, "vscode", root=root, init_options=init)

    @session.client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        return types.ApplyWorkspaceEditResult(applied=True)

    return session


def request(uri: str, position: types.Position) -> types.InlineCompletionParams:
    return types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri),
        position=position,
        context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Invoked),
    )


async def test_inline_completion_cache_and_cancel_with_llama_cpp(tmp_path: Path, tiny_model: TinyModel) -> None:
    s = await start_local(tmp_path, tiny_model, debounce_ms=300)
    try:
        uri = s.open("scripting/local.sp", PLUGIN)
        at = position_of(PLUGIN, "{\n\t", 3)
        # a request cancelled ($/cancelRequest) while it waits out its debounce answers as
        # cancelled and never reaches the model
        future = s.client.protocol.send_request(types.TEXT_DOCUMENT_INLINE_COMPLETION, request(uri, at), msg_id="c1")
        await asyncio.sleep(0.05)
        s.client.protocol.notify("$/cancelRequest", types.CancelParams(id="c1"))
        with pytest.raises(Exception, match=r"(?i)cancel"):
            await asyncio.wrap_future(future)
        info = await s.client.workspace_execute_command_async(types.ExecuteCommandParams(command="spcopilot.info"))
        assert info["session"]["requests"] == 0

        result = await s.client.text_document_inline_completion_async(request(uri, at))
        items = result.items if isinstance(result, types.InlineCompletionList) else (result or [])
        assert len(items) == 1 and items[0].insert_text.strip()
        info = await s.client.workspace_execute_command_async(types.ExecuteCommandParams(command="spcopilot.info"))
        assert info["backend"]["fim"] == "qwen2.5-coder" and info["inline"]["model_ms"] > 0
        calls = info["session"]["requests"]

        # the same cursor again: from the cache, no model call
        again = await s.client.text_document_inline_completion_async(request(uri, at))
        again_items = again.items if isinstance(again, types.InlineCompletionList) else (again or [])
        assert [i.insert_text for i in again_items] == [items[0].insert_text]
        info = await s.client.workspace_execute_command_async(types.ExecuteCommandParams(command="spcopilot.info"))
        assert info["session"]["requests"] == calls
    finally:
        await stop(s)


async def test_generate_plugin_with_llama_cpp_is_guarded(tmp_path: Path, tiny_model: TinyModel) -> None:
    s = await start_local(tmp_path, tiny_model)
    try:
        result = await s.client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command="spcopilot.generatePlugin", arguments=[{"prompt": "announce when a tank spawns"}]
            )
        )
        # a tiny model writes poor code: the point is that what it wrote went through the guard
        assert result["guard"] is not None and result["usage"]["completion_tokens"] > 0
        assert result["applied"] is True and result["text"] == result["guard"]["code"]
        assert result["cost"].endswith("no cost (local)")
    finally:
        await stop(s)


async def test_a_generation_is_cancelled_from_its_progress(tmp_path: Path, tiny_model: TinyModel) -> None:
    root = copy_workspace(tmp_path)
    init = {"lint-workspace": False, "backend": "llamacpp", "gguf": str(tiny_model.gguf_f16), "threads": 1,
            "context-size": 4096, "temperature": 0.9, "max-tokens": 1500}  # fmt: skip
    s = await start(tmp_path, "vscode", root=root, init_options=init)
    try:
        task = asyncio.ensure_future(
            s.client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="spcopilot.generatePlugin", arguments=[{"prompt": "heal"}])
            )
        )
        token = None
        for _ in range(500):  # wait for the server's cancellable $/progress to begin
            begun = [t for t, reports in s.client.progress_reports.items()
                     if any(getattr(r, "kind", "") == "begin" and r.cancellable for r in reports)]  # fmt: skip
            if begun:
                token = begun[0]
                break
            await asyncio.sleep(0.01)
        assert token is not None
        s.client.protocol.notify(types.WINDOW_WORK_DONE_PROGRESS_CANCEL, types.WorkDoneProgressCancelParams(token))
        with pytest.raises(Exception, match=r"generating a plugin: cancelled"):  # the command's error answer
            await asyncio.wait_for(task, 60)
        info = await s.client.workspace_execute_command_async(types.ExecuteCommandParams(command="spcopilot.info"))
        assert info["session"]["completion_tokens"] < 1500  # it stopped early
    finally:
        await stop(s)


async def test_inline_completion_in_hookevent_names_a_real_event(tmp_path: Path, tiny_model: TinyModel) -> None:
    """The editor asks as before and gets an ordinary inline item: only its text is constrained
    (the tiny model's names are noise unconstrained)."""
    from spcopilot.diagnostics.knowledge.events import builtin_l4d2

    s = await start_local(tmp_path, tiny_model, debounce_ms=50)
    try:
        text = '#include <sourcemod>\n\npublic void OnPluginStart()\n{\n\tHookEvent("player_");\n}\n'
        uri = s.open("scripting/hooks.sp", text)
        at = position_of(text, 'HookEvent("player_', len('HookEvent("player_'))
        result = await s.client.text_document_inline_completion_async(request(uri, at))
        items = result.items if isinstance(result, types.InlineCompletionList) else (result or [])
        assert len(items) == 1
        written = items[0].insert_text
        assert written.find('"') > 0 and "player_" + written[: written.find('"')] in builtin_l4d2().names(), written
    finally:
        await stop(s)
