"""A bounded slice of bench/fuzz_lsp.py, as CI runs it: a few hundred document versions of
mutated and pathological plugins with random edits, requests and cancels (fixed seed) must
restart nothing, hang nothing and answer no request with an unexpected error; and the server's
memory must not grow over 300 open/pull/close cycles of one document (after 300 to warm up)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # .ci/run's second stage: fuzz slices of a minute

BENCH = Path(__file__).resolve().parents[2] / "bench" / "fuzz_lsp.py"


def fuzz(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "result.json"
    done = subprocess.run(
        [sys.executable, str(BENCH), "--json", str(out), *args],
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert out.exists(), done.stdout + done.stderr
    return json.loads(out.read_text())


def test_a_few_hundred_hostile_document_versions(tmp_path: Path) -> None:
    result = fuzz(tmp_path, "--versions", "300", "--seed", "7")
    assert result["versions"] >= 300
    assert result["restarts"] == [], "the server crashed or hung in native code"
    assert result["hangs"] == [], "requests got no answer within 5 s"
    assert result["unexpected_errors"] == {}
    assert result["garbage"] == 0, "the server wrote something that is not a message"
    assert result["server_alive"] and result["exit_code"] == 0
    kinds = {key.split(" ", 1)[1] for key in result["latency"]}
    assert {"textDocument/hover", "textDocument/completion", "textDocument/diagnostic"} <= kinds


def test_memory_stays_flat_over_open_and_close_cycles(tmp_path: Path) -> None:
    result = fuzz(tmp_path, "--leak", "--warmup", "300", "--cycles", "300", "--edits", "0")
    leak = result["leak"]
    assert leak["kb_per_cycle"] < 5.0, leak
    assert result["restarts"] == [] and result["server_alive"]
