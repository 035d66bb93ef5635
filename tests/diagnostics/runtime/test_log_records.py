"""SourceMod's error logs read as errors: both stack formats, load failures, and bad input
(truncated, other languages, binary bytes, a 1 GB file) read as a stream."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

import pytest
from spcopilot.diagnostics.runtime import logs
from spcopilot.diagnostics.runtime.check import read_log
from spcopilot.diagnostics.runtime.logs import parse_line, read_lines
from spcopilot.diagnostics.runtime.records import parse_records
from spcopilot.diagnostics.runtime.summary import template

FIXTURES = Path(__file__).parent / "fixtures"
LOGS = FIXTURES / "logs"


def records(name: str) -> list:  # type: ignore[type-arg]
    path = LOGS / name
    with path.open("rb") as stream:
        lines = [parse_line(raw, n) for n, (raw, _) in enumerate(read_lines(stream), 1)]
    return list(parse_records([line for line in lines if line is not None], str(path)))


def test_the_new_format_with_blame_and_stack() -> None:
    found = records("errors_20261206.log")
    assert [(r.kind, r.plugin, r.message) for r in found] == [
        ("exception", "speed_boost.smx", "Client 3 is not in game"),
        ("exception", "speed_boost.smx", "Array index out-of-bounds (index 65, limit 65)"),
        ("exception", "speed_boost.smx", "Client 5 is not in game"),
        ("exception", "speed_boost.smx", "Invalid Handle 3c2101a4 (error: 3)"),
        ("exception", "speed_boost.smx", "Client 7 is not in game"),
        ("exception", "witch_glow.smx", "Entity 212 (212) is invalid"),
    ]
    first = found[0]
    assert first.native == "SetEntPropFloat" and first.line == 3 and first.time_text == "12/06/2026 - 21:14:03"
    assert [f.describe() for f in first.frames] == ["[0] SetEntPropFloat", "[1] Line 45, speed_boost.sp::Timer_Reset"]
    assert [(f.file, f.line, f.function) for f in first.scripted_frames] == [("speed_boost.sp", 45, "Timer_Reset")]
    assert found[1].frames[0].scripted and found[1].native == ""
    assert not any(r.truncated for r in found)


def test_the_old_format_native_reported_and_no_debug_info() -> None:
    found = records("errors_20140301.log")
    assert [(r.message, r.native, r.plugin) for r in found] == [
        ("Client 4 is not in game", "GetClientHealth", "tank_notify.smx"),
        ("Array index is out of bounds", "", "tank_notify.smx"),
        ("Client 2 is not in game", "GetClientHealth", "tank_notify.smx"),
    ]
    assert [(f.file, f.line, f.function) for f in found[0].frames] == [("tank_notify.sp", 26, "Timer_Announce")]
    assert found[2].frames == [] and found[2].no_debug and not found[2].truncated


def test_load_failures_truncated_stacks_other_languages_and_binary_lines() -> None:
    found = records("errors_20261207.log")
    assert [(r.kind, r.plugin) for r in found] == [
        ("load", "disabled/speed_boost.smx"),
        ("exception", "speed_boost.smx"),
    ]
    assert found[0].message == 'Native "L4D2_GetTankCount" was not found'
    assert found[1].truncated and found[1].scripted_frames == []


@pytest.mark.parametrize(
    "line",
    [
        '[SM] Failed to load plugin "a.smx": Unable to load plugin (bad header match).',
        '[SM] Unable to load plugin "a.smx": Could not find required plugin "l4dh".',
        '[SM] Plugin a.smx failed to load: Native "X" was not found.',
        '[SM] Plugin "a.smx" failed to load: Native "X" was not found.',
    ],
)
def test_every_load_failure_form(line: str) -> None:
    parsed = parse_line(f"L 12/06/2026 - 21:00:00: {line}".encode(), 1)
    assert parsed is not None
    (found,) = parse_records([parsed], "x.log")
    assert found.kind == "load" and found.plugin == "a.smx" and found.message


def test_lines_that_are_not_log_lines() -> None:
    assert parse_line(b"\x00\x00L 12", 1) is None
    assert parse_line(b"L 12/06/2026 - 21:00:00: bad \x00 byte", 1) is None
    assert parse_line("garbage ünïcode".encode(), 1) is None
    odd_time = parse_line(b"L 2026-12-06T21:00:00: [SM] Exception reported: x", 1)
    assert odd_time is not None and odd_time.time is None and odd_time.message.startswith("[SM]")


def test_numbers_are_taken_out_of_the_message_to_count_one_error() -> None:
    assert template("Client 3 is not in game") == template("Client 12 is not in game")
    assert template("Invalid Handle 3c2101a4 (error: 3)") == template("Invalid Handle 1f0 (error: 4)")
    assert template("Client 3 is not in game") != template("Client index 3 is invalid")


def test_the_summary_counts_and_dates() -> None:
    summary = read_log(LOGS / "errors_20261206.log")
    counts = sorted((g.count, g.latest.message) for g in summary.groups.values())
    assert counts[-1] == (3, "Client 7 is not in game")
    group = next(g for g in summary.groups.values() if g.count == 3)
    assert (group.first_text, group.last_text) == ("12/06/2026 - 21:14:03", "12/06/2026 - 22:40:11")


def test_long_lines_are_cut_and_the_rest_skipped() -> None:
    data = b"L 12/06/2026 - 21:00:00: [SM] Exception reported: " + b"x" * (logs.MAX_LINE * 3) + b"\nnext\n"
    got = list(read_lines(io.BytesIO(data)))
    assert [len(line) for line, _ in got] == [logs.MAX_LINE, 4]
    assert got[-1][1] == len(data)


def test_a_1_gb_log_is_streamed_in_bounded_memory(tmp_path: Path) -> None:
    """A sparse 1 GiB file: real lines at the start and the end, a gigabyte of NUL bytes between
    (a log a crash left behind). Every error is found; memory stays far below the file's size."""
    path = tmp_path / "errors_huge.log"
    head = (LOGS / "errors_20261206.log").read_bytes()
    tail = (LOGS / "errors_20140301.log").read_bytes()
    with path.open("wb") as out:
        out.write(head)
        out.seek((1 << 30) - len(tail))
        out.write(tail)
    assert path.stat().st_size == 1 << 30
    tracemalloc.start()
    try:
        summary = read_log(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    messages = {g.latest.message for g in summary.groups.values()}
    assert "Invalid Handle 3c2101a4 (error: 3)" in messages and "Array index is out of bounds" in messages
    assert peak < 16 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB while reading a 1 GiB log"
