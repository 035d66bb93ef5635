"""schemathesis against the live server's /openapi.json: generated requests, valid and invalid,
for every operation, with every check it has: no server error, every answer (each streamed
event included) conforms to the schema, invalid requests are refused with a documented 4xx and
valid ones accepted. Bounded (a fixed seed and number of examples) so it runs in seconds and the
same way each time; `--seed` another number to explore further."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.live_server import ApiServer
from tests.e2e.tools import in_ci

pytestmark = pytest.mark.slow  # .ci/run's second stage: a fuzzing run of a minute
MAX_EXAMPLES = 100
SEED = 20261124


def test_schemathesis_finds_nothing(replay_api: ApiServer, tmp_path: Path) -> None:
    if importlib.util.find_spec("schemathesis") is None:
        message = "schemathesis is not installed (pip install -e '.[dev]')"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    done = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "run", f"{replay_api.url}/openapi.json",
         "--checks", "all", "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--workers", "1",
         "--output-sanitize", "false"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    report = done.stdout[-6000:] + done.stderr[-2000:]
    assert done.returncode == 0, report
    assert "Operations:       5 selected / 5 total" in done.stdout, report
    assert "No issues found" in done.stdout, report
