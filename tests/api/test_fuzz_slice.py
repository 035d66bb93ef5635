"""A bounded slice of bench/fuzz_api.py, as CI runs it: malformed and pathological requests to
every endpoint (fixed seed) leave the API alive, hang nothing and get no 5xx but a check's own
time limit; then 49 small checks run with one 1 MiB pathological body among them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # .ci/run's second stage: a fuzz slice

BENCH = Path(__file__).resolve().parents[2] / "bench" / "fuzz_api.py"


def test_hostile_requests_and_a_heavy_body_among_small_ones(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    done = subprocess.run(
        [sys.executable, str(BENCH), "--requests", "80", "--rounds", "1", "--seed", "3", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert out.exists(), done.stdout + done.stderr
    result = json.loads(out.read_text())
    assert result["alive_after_fuzz"] and result["alive"]
    assert result["fuzz"]["hangs"] == []
    assert result["fuzz"]["server_errors"] == []
    statuses = result["fuzz"]["statuses"]
    assert set(statuses) == {"/v1/check", "/v1/complete", "/v1/generate-plugin", "/v1/chat/completions"}
    assert all(200 in codes or "200" in codes for codes in statuses.values())
    assert result["fairness"]["heavy_ms"] > 0  # the heavy check was answered, not dropped
