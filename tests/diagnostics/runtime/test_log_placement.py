"""Logged errors on the workspace's source lines: the blamed line, the stack as related
information, the rule that explains the cause (SPC401, a delete elsewhere, SPC603), and what is
said when the source moved on; `spcopilot logs` in its formats; following logs as they grow."""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.runtime.check import check_logs
from spcopilot.diagnostics.runtime.placement import EXCEPTION_CODE, LOAD_CODE
from spcopilot.diagnostics.runtime.tail import LogTail

from tests import cli_fixtures
from tests.cli_fixtures import Run

clean_env = cli_fixtures.clean_env
cli = cli_fixtures.cli

FIXTURES = Path(__file__).parent / "fixtures"
BEFORE_THE_LOGS = datetime(2014, 1, 1).timestamp()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """The fixtures copied, the sources dated before every log (as on the server)."""
    root = tmp_path / "ws"
    shutil.copytree(FIXTURES, root)
    for source in (root / "workspace" / "scripting").iterdir():
        os.utime(source, (BEFORE_THE_LOGS, BEFORE_THE_LOGS))
    return root


def by_line(workspace: Path, name: str) -> dict[int, object]:
    checked = check_logs([workspace / "logs"], [workspace / "workspace"], Config())
    result = next(r for r in checked.results if r.path.name == name)
    return {d.range.start.line + 1: d for d in result.diagnostics}


def test_each_error_on_its_blamed_line_with_count_times_and_stack(workspace: Path) -> None:
    found = by_line(workspace, "speed_boost.sp")
    timer = found[45]
    assert timer.code == EXCEPTION_CODE and timer.severity.label == "error"
    assert "Client 7 is not in game (in SetEntPropFloat)" in timer.message
    assert "logged 3 times, first 12/06/2026 - 21:14:03, last 12/06/2026 - 22:40:11" in timer.message
    source = (workspace / "workspace/scripting/speed_boost.sp").read_bytes()
    assert source[timer.start_byte : timer.end_byte].startswith(b'SetEntPropFloat(client, Prop_Send, "m_flLagged')
    stack = [r.message for r in timer.related]
    assert "stack [1] Line 45, speed_boost.sp::Timer_Reset" in stack
    logged = next(r for r in timer.related if r.message.startswith("logged here"))
    assert logged.path.endswith("errors_20261206.log") and logged.range.start.line == 24
    assert "the file changed" not in timer.message


def test_a_client_index_in_a_timer_is_explained_by_spc401_with_its_fix(workspace: Path) -> None:
    timer = by_line(workspace, "speed_boost.sp")[45]
    assert "Likely cause: the timer that calls Timer_Reset was given a client index: SPC401" in timer.message
    spc401 = next(r for r in timer.related if r.message.startswith("SPC401"))
    assert spc401.range.start.line + 1 == 40  # the CreateTimer line
    assert timer.fix is not None and timer.fix.applicability.value == "unsafe"
    assert any("GetClientUserId(client)" in e.new_text for e in timer.fix.edits)


def test_an_invalid_handle_after_a_delete_elsewhere(workspace: Path) -> None:
    push = by_line(workspace, "speed_boost.sp")[39]
    assert "Invalid Handle" in push.message
    assert "`g_hBoosted` is closed in OnMapEnd (line 27)" in push.message
    assert any(r.range.start.line + 1 == 27 for r in push.related)


def test_an_out_of_bounds_index_on_a_maxplayers_array_is_spc603(workspace: Path) -> None:
    bounds = by_line(workspace, "speed_boost.sp")[55]
    assert "Likely cause: SPC603 (maxplayers-array)" in bounds.message and "`g_iBoosts`" in bounds.message
    assert bounds.fix is not None
    assert [e.new_text for e in bounds.fix.edits] == ["MAXPLAYERS + 1"] or "MAXPLAYERS + 1" in bounds.fix.edits[
        0
    ].new_text


def test_the_old_format_on_its_line_and_unexplained_errors_stay_plain(workspace: Path) -> None:
    found = by_line(workspace, "tank_notify.sp")
    assert "Client 4 is not in game (in GetClientHealth)" in found[26].message and "SPC401" in found[26].message
    assert "Array index is out of bounds" in found[28].message and "Likely cause" not in found[28].message
    assert "the log has no call stack for it" in found[1].message  # debug info was off


def test_load_failure_and_cut_off_stack_go_to_the_plugin(workspace: Path) -> None:
    found = by_line(workspace, "speed_boost.sp")
    first_line = [d for line, d in found.items() if line == 1]
    assert first_line
    checked = check_logs([workspace / "logs"], [workspace / "workspace"], Config())
    result = next(r for r in checked.results if r.path.name == "speed_boost.sp")
    codes = {(d.code, d.range.start.line) for d in result.diagnostics}
    assert (LOAD_CODE, 0) in codes
    cut = next(d for d in result.diagnostics if "Client 9" in d.message)
    assert "no call stack for it (cut off)" in cut.message


def test_an_error_of_a_plugin_not_in_the_workspace_is_shown_on_the_log(workspace: Path) -> None:
    checked = check_logs([workspace / "logs"], [workspace / "workspace"], Config())
    result = next(r for r in checked.results if r.path.name == "errors_20261206.log")
    (witch,) = result.diagnostics
    assert "no source for witch_glow.sp in the workspace" in witch.message and witch.range.start.line == 29


def test_the_source_moved_on_since(workspace: Path) -> None:
    plugin = workspace / "workspace/scripting/speed_boost.sp"
    text = plugin.read_text(encoding="utf-8")
    # Two new lines at the top: the logged line 45 is now Timer_Reset's first line, which does
    # not call SetEntPropFloat; the call two lines down is the place.
    plugin.write_text("// moved\n// down\n" + text, encoding="utf-8")
    later = datetime(2027, 1, 1).timestamp()
    os.utime(plugin, (later, later))
    found = by_line(workspace, "speed_boost.sp")
    timer = found[47]
    assert "line 45 no longer calls SetEntPropFloat (the source changed since): shown on its call" in timer.message
    # and its modification time is after the logs now
    assert "this file changed after the error was last logged (12/06/2026 - 22:40:11)" in timer.message


def test_the_logged_line_is_no_longer_in_the_function_or_the_function_is_gone(workspace: Path) -> None:
    plugin = workspace / "workspace/scripting/speed_boost.sp"
    text = plugin.read_text(encoding="utf-8")
    plugin.write_text("// a\n" * 12 + text.replace("Command_Boosts", "Command_ShowBoosts"), encoding="utf-8")
    checked = check_logs([workspace / "logs"], [workspace / "workspace"], Config())
    found = next(r for r in checked.results if r.path.name == "speed_boost.sp").diagnostics
    timer = next(d for d in found if "Client 7" in d.message)
    assert "line 45 is no longer in Timer_Reset (the source changed since): shown on the function" in timer.message
    assert plugin.read_bytes()[timer.start_byte : timer.end_byte] == b"Timer_Reset"
    gone = next(d for d in found if "out-of-bounds" in d.message)
    assert "Command_Boosts is not in this file any more" in gone.message


def test_logs_cli_text_json_sarif(workspace: Path, cli) -> None:  # type: ignore[no-untyped-def]
    args = ("logs", workspace / "logs", "--source", workspace / "workspace")
    text: Run = cli(*args)
    assert text.code == 1
    assert "speed_boost.sp:45:2: error: sourcemod-exception" in text.out
    assert "    " in text.out and "stack [1] Line 45, speed_boost.sp::Timer_Reset" in text.out
    assert "--fix" not in text.out
    rows = cli(*args, "--format", "json").json()
    timer = next(r for r in rows if r["range"]["start"]["line"] == 44 and r["path"].endswith("speed_boost.sp"))
    assert timer["code"] == EXCEPTION_CODE and timer["related"]
    sarif = json.loads(cli(*args, "--output-format", "sarif").out)
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == EXCEPTION_CODE)
    assert result["relatedLocations"]
    rule = sarif["runs"][0]["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert rule["id"] == EXCEPTION_CODE and rule["properties"]["tags"] == ["runtime"]
    assert cli("logs", workspace / "nope", "--source", workspace / "workspace").code == 2


def test_following_a_log_as_it_grows_rotates_and_disappears(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    source = (FIXTURES / "logs" / "errors_20261206.log").read_bytes().splitlines(keepends=True)
    log = folder / "errors_20261206.log"
    log.write_bytes(b"".join(source[:5]))
    tail = LogTail([folder])
    assert tail.poll() is False  # an error with its stack still being written is not shown yet
    log.write_bytes(b"".join(source[:7]) + b"L 12/06/2026 - 21:31:47: [SM] Exception rep")
    assert tail.poll() is False or len(tail.summary.groups) <= 1
    assert tail.poll() is True  # nothing new since: the open error is complete
    assert [g.latest.message for g in tail.summary.groups.values()] == ["Client 3 is not in game"]
    with log.open("ab") as out:
        out.write(b"orted: Array index out-of-bounds (index 65, limit 65)\n" + b"".join(source[8:11]))
    tail.poll()
    tail.poll()
    assert len(tail.summary.groups) == 2
    # rotated: the same name, shorter content - read again from the start
    log.write_bytes(b"".join(source[11:16]))
    tail.poll()
    tail.poll()
    assert [g.latest.message for g in tail.summary.groups.values()] == ["Client 5 is not in game"]
    # a new day's file, then the old one deleted
    (folder / "errors_20261207.log").write_bytes((FIXTURES / "logs" / "errors_20261207.log").read_bytes())
    assert tail.poll() is True
    log.unlink()
    assert tail.poll() is True
    assert all("Client 5" not in g.latest.message for g in tail.summary.groups.values())
