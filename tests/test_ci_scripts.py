"""The shell side of the repository (.ci/, tests/e2e/setup.sh) agrees with the package."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from spcopilot.diagnostics.include_cache import default_cache_root

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "env",
    [
        {"SPCOPILOT_CACHE_DIR": "/c/spc", "XDG_CACHE_HOME": "/c/xdg", "HOME": "/c/home"},
        {"XDG_CACHE_HOME": "/c/xdg", "HOME": "/c/home"},
        {"HOME": "/c/home"},
    ],
)
def test_one_cache_folder_rule(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """.ci/run and tests/e2e/setup.sh (through .ci/cache-dir) use the folder the package uses."""
    for name in ("SPCOPILOT_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    shell = subprocess.run(["bash", str(REPO / ".ci" / "cache-dir")], capture_output=True, text=True, env=os.environ)
    assert shell.stdout.strip() == str(default_cache_root())


def test_the_scripts_name_only_that_folder() -> None:
    for script in (REPO / ".ci" / "run", REPO / "tests" / "e2e" / "setup.sh"):
        text = script.read_text(encoding="utf-8")
        assert ".ci/cache-dir" in text, script
        assert ".cache/spcopilot" not in text and "SPCOPILOT_E2E_CACHE" not in text, script
