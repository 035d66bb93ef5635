"""A crash or a hang in native code costs a restart of the server process, never the editor's
language server: the supervisor (server/lsp/supervisor.py) restarts it, tells the user which
file did it, leaves that file alone until it changes, and the other files are served throughout.

The faults are real native ones (tests/native_faults.py): a parser that blocks in native code
holding the interpreter lock, as a stuck tree-sitter scanner does, and a segfault."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from lsprotocol import types

from ..native_faults import CRASH, HANG, fault_env
from .conftest import Session, start, stop

PLUGIN = '#include <sourcemod>\npublic void OnPluginStart()\n{\n    HookEvent("pounce", E);\n}\n'

pytestmark = [
    pytest.mark.skipif(os.name != "posix", reason="the supervisor is POSIX-only"),
    pytest.mark.slow,  # .ci/run's second stage: servers killed and restarted, over a minute
]


async def faulty_server(tmp_path: Path, client: str = "neovim-0.7") -> Session:
    env = {**fault_env(tmp_path), "SPCOPILOT_HANG_S": "2"}
    return await start(tmp_path, client, init_options={"lint-workspace": False}, env=env)


async def message(s: Session, needle: str, timeout: float = 30.0) -> str:
    for _ in range(int(timeout / 0.05)):
        for m in s.client.messages:
            if needle in m.message:
                return m.message
        await asyncio.sleep(0.05)
    raise AssertionError(f"no window/showMessage with {needle!r}: {[m.message for m in s.client.messages]}")


async def codes(s: Session, uri: str, version: int | None = None) -> list[str]:
    found = await s.diagnostics(uri) if s.pull else await s.pushed(uri, timeout=30, version=version)
    return [str(d.code) for d in found]


def edit(s: Session, uri: str, version: int, text: str) -> None:
    s.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [types.TextDocumentContentChangeWholeDocument(text)],
        )
    )


@pytest.mark.parametrize("fault", [HANG, CRASH])
async def test_a_native_fault_restarts_the_server_and_spares_that_file(tmp_path: Path, fault: str) -> None:
    s = await faulty_server(tmp_path)
    try:
        good = s.open("scripting/good.sp", PLUGIN)
        assert await codes(s, good) == ["SPC201"]
        bad = s.open("scripting/bad.sp", fault + "\n" + PLUGIN)
        said = await message(s, "was restarted")
        assert "bad.sp" in said and "until it changes" in said
        assert ("stopped responding" in said) if fault == HANG else ("crashed (SIGSEGV)" in said)
        # The restarted server has both files again; the culprit gets one information diagnostic.
        notice = await s.pushed(bad, timeout=30)
        assert [d.severity for d in notice] == [types.DiagnosticSeverity.Information]
        assert "does not analyse this file" in notice[0].message
        s.client.diagnostics.pop(good, None)
        edit(s, good, 2, PLUGIN + "// edited\n")
        assert await codes(s, good, version=2) == ["SPC201"]
        hover = await s.client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(good), types.Position(3, 16))
        )
        assert hover is not None and "lunge_pounce" in str(hover.contents)
        # Once the culprit changes (the fault gone), it is analysed again.
        edit(s, bad, 2, PLUGIN)
        assert await codes(s, bad, version=2) == ["SPC201"]
    finally:
        await stop(s)


async def test_a_second_fault_in_the_same_file_spares_it_until_reopened(tmp_path: Path) -> None:
    s = await faulty_server(tmp_path)
    try:
        bad = s.open("scripting/bad.sp", CRASH + "\n" + PLUGIN)
        await message(s, "until it changes")
        edit(s, bad, 2, CRASH + "\n" + PLUGIN + "// still broken\n")
        said = await message(s, "until you close and reopen it")
        assert "bad.sp" in said
        edit(s, bad, 3, PLUGIN)  # fixed, but it took the server down twice: left alone
        await asyncio.sleep(1.0)
        notice = await s.pushed(bad, timeout=30)
        assert "does not analyse this file" in notice[0].message
        s.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(bad)))
        s.client.diagnostics.pop(bad, None)
        again = s.open("scripting/bad.sp", PLUGIN, version=4)
        assert await codes(s, again, version=4) == ["SPC201"]
    finally:
        await stop(s)


async def test_a_request_in_flight_is_answered_with_content_modified(tmp_path: Path) -> None:
    s = await faulty_server(tmp_path, "vscode")
    try:
        bad = s.open("scripting/bad.sp", HANG + "\n" + PLUGIN)
        pending = s.client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(bad), types.Position(3, 16))
        )
        with pytest.raises(Exception) as error:
            await asyncio.wait_for(pending, 30)
        assert getattr(error.value, "code", None) == -32801  # ContentModified: the editor asks again
        await message(s, "was restarted")
        report = await s.client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(bad))
        )
        assert "does not analyse this file" in report.items[0].message
    finally:
        await stop(s)


async def test_a_restarted_server_gets_the_text_as_edited_before_the_fault(tmp_path: Path) -> None:
    """The supervisor follows the documents' edits on a thread of its own, after relaying them; a
    restart waits until it has caught up, so the new server gets each document as last edited."""
    s = await faulty_server(tmp_path)
    try:
        good = s.open("scripting/good.sp", PLUGIN)
        assert await codes(s, good) == ["SPC201"]  # HookEvent("pounce"): never fires
        fixed = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(3, 15), types.Position(3, 21)), text="lunge_pounce"
        )
        typed = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(5, 0), types.Position(5, 0)), text="// edited\n"
        )
        s.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=good, version=2), [fixed, typed]
            )
        )
        assert await codes(s, good, version=2) == []
        s.open("scripting/bad.sp", CRASH + "\n" + PLUGIN)
        await message(s, "was restarted")
        s.client.diagnostics.pop(good, None)
        # The new server's own report on good.sp is of version 2: the edited text (not followed, it
        # would have version 1 and SPC201). Opening bad.sp may re-analyse good.sp, and a file being
        # analysed when the server crashed is spared too (its one information notice): only a
        # file the new server analyses can say what text it got.
        after = await codes(s, good, version=2)
        assert after in ([], ["spcopilot-analysis"])
        if not after:
            hover = await s.client.text_document_hover_async(
                types.HoverParams(types.TextDocumentIdentifier(good), types.Position(3, 18))
            )
            assert hover is not None and "lunge_pounce" in str(hover.contents)
    finally:
        await stop(s)
