"""Compile on save in the real server, with the stand-in compiler (tests/spcomp_standin.py says
why it is a stand-in): the compiler's findings join the live ones after a save, land on the
part file they are about, go away when the file changes; a broken compiler is said once."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from lsprotocol import types

from tests.lsp.conftest import Session, start, stop
from tests.spcomp_standin import is_running, runs

pytestmark = pytest.mark.asyncio


def save(s: Session, uri: str) -> None:
    s.client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))


def edit(s: Session, uri: str, version: int, text: str) -> None:
    s.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def codes(s: Session, uri: str) -> set[str]:
    if s.pull:
        report = await s.client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri))
        )
        return {str(d.code) for d in report.items}
    return {str(d.code) for d in s.client.diagnostics.get(uri, [])}


async def until(s: Session, uri: str, ok: Callable[[set[str]], bool], timeout: float = 15) -> set[str]:
    deadline = asyncio.get_running_loop().time() + timeout
    found: set[str] = set()
    while asyncio.get_running_loop().time() < deadline:
        found = await codes(s, uri)
        if ok(found):
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"{uri}: still {sorted(found)}")


async def logged(s: Session, needle: str, times: int, timeout: float = 15) -> None:
    """Wait until the server's log holds `needle` at least `times` times."""
    deadline = asyncio.get_running_loop().time() + timeout
    while sum(needle in m.message for m in s.client.log_messages) < times:
        assert asyncio.get_running_loop().time() < deadline, f"{needle!r} not logged {times} times"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("client", ["vscode", "neovim-0.7"])
async def test_saving_adds_the_compilers_findings_and_an_edit_clears_them(tmp_path, spcomp, sm_tree, client):
    s = await start(tmp_path, client, root=sm_tree, init_options={"lint-workspace": False})
    try:
        uri = s.open("tank_hp.sp")
        await until(s, uri, lambda c: "SPC101" in c)
        save(s, uri)
        found = await until(s, uri, lambda c: "spcomp-204" in c)
        assert found == {"SPC101", "spcomp-204"}  # the compiler's 017 on RandomFloat repeats SPC101: dropped
        hud = (sm_tree / "tank" / "hud.sp").as_uri()  # a closed part file: the compiler's error lands there
        assert await until(s, hud, lambda c: "spcomp-001" in c) == {"spcomp-001"}
        edit(s, uri, 2, s.text("tank_hp.sp") + "\n")
        assert await until(s, uri, lambda c: "spcomp-204" not in c) == {"SPC101"}
        assert await until(s, hud, lambda c: "spcomp-001" not in c) == set()
    finally:
        await stop(s)


async def test_the_unsaved_buffer_is_what_gets_compiled(tmp_path, spcomp, sm_tree, spcomp_log):
    s = await start(tmp_path, "vscode", root=sm_tree, init_options={"lint-workspace": False})
    try:
        text = s.text("tank_hp.sp").replace(
            "int unused;", 'int unused2;  // standin: warning 203: symbol is never used: "unused2"\n'
        )
        uri = s.open("tank_hp.sp", text=text)
        save(s, uri)
        assert "spcomp-203" in await until(s, uri, lambda c: "spcomp-203" in c)
        assert (sm_tree / "tank_hp.sp").read_text() != text  # compiled from a temp copy, disk untouched
        [call] = runs(spcomp_log)
        assert not Path(next(a for a in call["args"] if not a.startswith("-"))).is_relative_to(sm_tree)
    finally:
        await stop(s)


async def test_a_crashing_compiler_is_said_once_and_the_rules_still_run(tmp_path, spcomp, sm_tree, monkeypatch):
    monkeypatch.setenv("STANDIN_MODE", "crash")
    s = await start(tmp_path, "neovim-0.7", root=sm_tree, init_options={"lint-workspace": False})
    try:
        uri = s.open("tank_hp.sp")
        await until(s, uri, lambda c: "SPC101" in c)
        for compiles in (1, 2):  # the second crash is only logged (window/logMessage), not shown
            save(s, uri)
            await logged(s, "crashed (SIGSEGV)", compiles)
        said = [m.message for m in s.client.messages if "spcomp" in m.message]
        assert len(said) == 1 and "crashed (SIGSEGV) while compiling tank_hp.sp" in said[0]
        assert "the rule diagnostics are still shown" in said[0]
        assert await codes(s, uri) == {"SPC101"}
    finally:
        await stop(s)


async def test_an_edit_during_a_compile_stops_it(tmp_path, spcomp, sm_tree, spcomp_log, monkeypatch):
    monkeypatch.setenv("STANDIN_MODE", "hang")
    s = await start(tmp_path, "vscode", root=sm_tree, init_options={"lint-workspace": False})
    try:
        uri = s.open("tank_hp.sp")
        save(s, uri)

        def progress_begun() -> bool:
            return any(getattr(r, "title", None) == "spcopilot: compiling"
                       for reports in s.client.progress_reports.values() for r in reports)  # fmt: skip

        for _ in range(200):  # a compile that takes a while shows $/progress
            if progress_begun():
                break
            await asyncio.sleep(0.05)
        assert progress_begun()
        [call] = runs(spcomp_log)
        assert is_running(call["pid"])
        edit(s, uri, 2, s.text("tank_hp.sp") + "\n")
        for _ in range(100):
            if not is_running(call["pid"]):
                break
            await asyncio.sleep(0.05)
        assert not is_running(call["pid"]) and not Path(call["cwd"]).exists()
    finally:
        await stop(s)


async def test_compile_off_and_no_compiler_change_nothing(tmp_path, spcomp, sm_tree, spcomp_log, monkeypatch):
    s = await start(tmp_path, "vscode", root=sm_tree, init_options={"lint-workspace": False, "compile": "off"})
    try:
        uri = s.open("tank_hp.sp")
        save(s, uri)
        await asyncio.sleep(1.0)
        assert runs(spcomp_log) == [] and await codes(s, uri) == {"SPC101"}
    finally:
        await stop(s)
    monkeypatch.setenv("PATH", os.defpath)
    s = await start(tmp_path, "vscode", root=sm_tree, init_options={"lint-workspace": False})
    try:
        uri = s.open("tank_hp.sp")
        save(s, uri)
        await asyncio.sleep(1.0)
        assert await codes(s, uri) == {"SPC101"} and not [m for m in s.client.messages if "spcomp" in m.message]
    finally:
        await stop(s)
