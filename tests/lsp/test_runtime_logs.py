"""Setting `error-logs`: the real server follows a SourceMod logs folder and shows each runtime
error on the blamed line of the open plugin, with the stack as related information; an error
written to the log while the editor is open appears without an edit."""

from __future__ import annotations

import asyncio
import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from lsprotocol import types

from .conftest import Session, start, stop

FIXTURES = Path(__file__).resolve().parents[1] / "diagnostics" / "runtime" / "fixtures"
WAIT_S = 30.0


def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "scripting").mkdir(parents=True)
    (root / "logs").mkdir()
    shutil.copy(FIXTURES / "workspace/scripting/speed_boost.sp", root / "scripting")
    old = datetime(2014, 1, 1).timestamp()
    os.utime(root / "scripting/speed_boost.sp", (old, old))
    lines = (FIXTURES / "logs/errors_20261206.log").read_bytes().splitlines(keepends=True)
    (root / "logs/errors_20261206.log").write_bytes(b"".join(lines[:7]))  # the first error only
    return root


async def runtime_errors(session: Session, uri: str, count: int) -> list[types.Diagnostic]:
    """Ask (pull) or wait (push) until the document shows `count` runtime errors."""
    deadline = asyncio.get_running_loop().time() + WAIT_S
    found: list[types.Diagnostic] = []
    while asyncio.get_running_loop().time() < deadline:
        if session.pull:
            items = await session.diagnostics(uri)
        else:
            items = list(session.client.diagnostics.get(uri, []))
        found = [d for d in items if d.code == "sourcemod-exception"]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"{len(found)} runtime errors shown after {WAIT_S} s, expected {count}")


@pytest.mark.parametrize("client_name", ["vscode", "neovim-0.7"])
async def test_runtime_errors_on_the_blamed_line_and_new_ones_as_they_are_logged(
    tmp_path: Path, client_name: str
) -> None:
    root = workspace(tmp_path)
    session = await start(
        tmp_path, client_name, root=root, init_options={"lint-workspace": False, "error-logs": ["logs"]}
    )
    try:
        uri = session.open("scripting/speed_boost.sp")
        (first,) = await runtime_errors(session, uri, 1)
        assert first.range.start.line == 44 and "Client 3 is not in game" in first.message
        assert first.severity == types.DiagnosticSeverity.Error
        related = first.related_information or []
        assert any("Timer_Reset" in r.message and r.location.uri == uri for r in related)
        assert any(r.location.uri.endswith("errors_20261206.log") for r in related)
        assert "SPC401" in first.message
        # the server writes on: an Invalid Handle in Event_Adrenaline, with the file open
        lines = (FIXTURES / "logs/errors_20261206.log").read_bytes().splitlines(keepends=True)
        with (root / "logs/errors_20261206.log").open("ab") as log:
            log.write(b"".join(lines[19:24]))
        found = await runtime_errors(session, uri, 2)
        handle = next(d for d in found if "Invalid Handle" in d.message)
        assert handle.range.start.line == 38 and "closed in OnMapEnd" in handle.message
    finally:
        await stop(session)


async def test_a_bad_error_logs_value_is_a_settings_error(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    session = await start(tmp_path, "vscode", root=root, init_options={"lint-workspace": False, "error-logs": 3})
    try:
        uri = session.open("scripting/speed_boost.sp")
        items = await session.diagnostics(uri)
        assert not [d for d in items if d.code == "sourcemod-exception"]
    finally:
        await stop(session)
