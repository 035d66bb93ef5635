"""server/lsp/stalls.py: a call that keeps the interpreter lock is found, with its stack."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

from spcopilot.server.lsp import stalls


def hold_the_lock() -> None:
    re.match(r"(a*)*b", "a" * 23)  # backtracking in C, which keeps the lock throughout (~0.5 s)
    for _ in range(100_000):  # (the lock is handed over here, inside this function)
        pass


def test_a_call_that_keeps_the_lock_is_recorded_with_its_stack(tmp_path: Path) -> None:
    log = tmp_path / "stalls.jsonl"
    stop = threading.Event()
    with log.open("w", encoding="utf-8") as out:
        watcher = threading.Thread(target=stalls.watch, args=(out, 0.002, 0.025, stop))
        watcher.start()
        time.sleep(0.05)
        hold_the_lock()
        stop.set()
        watcher.join(10)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    held = [r for r in records if any("hold_the_lock" in frame for frame in r["threads"].get("MainThread", []))]
    assert held and max(r["late_ms"] for r in held) > 100, records


def test_off_unless_the_environment_names_a_writable_file(monkeypatch, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv(stalls.ENV, raising=False)
    assert stalls.start_from_environment() is None
    monkeypatch.setenv(stalls.ENV, str(tmp_path / "no-such-folder" / "stalls.jsonl"))
    assert stalls.start_from_environment() is None  # the server starts without it
    assert "cannot write" in capsys.readouterr().err
