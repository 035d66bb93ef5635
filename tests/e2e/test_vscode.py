"""The VS Code extension: its own checks (tsc, prettier, the unit tests of its pure parts via
`npm run check`), its settings in sync with the server's, and an end-to-end session in a real
VS Code: code-server (on Node 24) with the built .vsix installed, served on 127.0.0.1 and driven
through Debian's Chromium by playwright-core (vscode/drive.cjs). Screenshots are kept under
tests/e2e/artifacts/.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import tools

EXTENSION = tools.REPO / "clients" / "vscode"
PLUGIN = "scripting/pounce_reward.sp"


def npm_run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    if not (EXTENSION / "node_modules" / ".package-lock.json").is_file():
        tools.missing("clients/vscode has no node_modules (npm ci)")
    return subprocess.run(
        [tools.npm(), "run", "--silent", *args], cwd=EXTENSION, capture_output=True, text=True, timeout=timeout
    )


def test_extension_checks() -> None:
    """tsc --noEmit, prettier --check and the unit tests (node's test runner)."""
    done = npm_run("check")
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert "# fail 0" in done.stdout


def test_settings_match_the_server() -> None:
    """package.json's settings are generated from the server's list (scripts/sync_settings.py)."""
    done = subprocess.run(
        [sys.executable, str(EXTENSION / "scripts" / "sync_settings.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


# -- end to end in code-server ----------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"code-server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"code-server did not answer on {url}/healthz within {timeout:.0f} s")


def user_settings(replay: Path) -> dict[str, Any]:
    return {
        "chat.disableAIFeatures": True,
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "telemetry.telemetryLevel": "off",
        "update.mode": "none",
        "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": False,
        "git.enabled": False,
        "security.workspace.trust.enabled": False,
        "editor.inlineSuggest.enabled": True,
        # VS Code's defaults, said out loud: typing `HookEvent("` leaves `")` after the cursor, and
        # the server's suggestion (whose range covers them) must replace them, not double them.
        "editor.autoClosingBrackets": "languageDefined",
        "editor.autoClosingQuotes": "languageDefined",
        "spcopilot.backend": "replay",
        "spcopilot.lintWorkspace": False,
        "spcopilot.logLevel": "debug",  # the driver waits for the server's "nothing to suggest"
    }


def machine_settings(replay: Path) -> dict[str, Any]:
    """Settings of machine scope (paths on the machine the server runs on): VS Code reads them
    from the Remote settings when the extension host is remote, as in code-server."""
    return {"spcopilot.server.python": sys.executable, "spcopilot.replayFile": str(replay)}


@pytest.fixture
def code_server(tmp_path: Path) -> Iterator[dict[str, Any]]:
    node, entry = tools.node24(), tools.code_server()
    tools.chromium()
    tools.playwright_core()
    env = tools.private_env(tmp_path)
    env["PATH"] = f"{node.parent}{os.pathsep}{env.get('PATH', '')}"
    data, extensions = tmp_path / "user-data", tmp_path / "extensions"
    (data / "User").mkdir(parents=True)
    (data / "Machine").mkdir(parents=True)
    root = tools.workspace(tmp_path)
    replay = tools.replay_file(tmp_path)
    (data / "User" / "settings.json").write_text(json.dumps(user_settings(replay), indent=2), encoding="utf-8")
    (data / "Machine" / "settings.json").write_text(json.dumps(machine_settings(replay), indent=2), encoding="utf-8")
    base = [str(node), str(entry), "--user-data-dir", str(data), "--extensions-dir", str(extensions)]
    if not (EXTENSION / "node_modules" / ".package-lock.json").is_file():
        tools.missing("clients/vscode has no node_modules (npm ci)")
    # Installed the way its README says: clients/vscode/install.sh <editor CLI>.
    installed = subprocess.run(
        ["bash", str(EXTENSION / "install.sh"), *base],
        env={**env, "SPCOPILOT_VSIX": str(tmp_path / "spcopilot.vsix")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    assert any(p.name.startswith("spcopilot.spcopilot-") for p in extensions.iterdir()), installed.stdout
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "code-server.log").open("wb")
    process = subprocess.Popen(
        [
            *base,
            "--bind-addr",
            f"127.0.0.1:{port}",
            "--auth",
            "none",
            "--disable-telemetry",
            "--disable-update-check",
            "--disable-workspace-trust",
            "--reconnection-grace-time",
            "5",
            str(root),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_healthy(url, process)
        yield {"url": url, "root": root, "env": env, "data": data, "log": tmp_path / "code-server.log"}
    finally:
        _stop(process)
        log.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)
    except ProcessLookupError:
        pass


def _logs(data: Path, server_log: Path) -> str:
    """The extension's output channel and code-server's log, for a failure message."""
    parts = []
    for log in sorted(data.glob("logs/**/*SourcePawn Copilot*.log")) + sorted(data.glob("logs/**/exthost.log")):
        parts.append(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")
    parts.append(f"--- code-server\n{server_log.read_text(errors='replace')[-2000:]}")
    return "\n".join(parts)


def test_vscode_session(code_server: dict[str, Any]) -> None:
    tools.ARTIFACTS.mkdir(exist_ok=True)
    for old in tools.ARTIFACTS.glob("vscode-*.png"):
        old.unlink()
    env = {
        **code_server["env"],
        "SPCOPILOT_E2E_URL": code_server["url"],
        "SPCOPILOT_E2E_WORKSPACE": str(code_server["root"]),
        "SPCOPILOT_PLAYWRIGHT": str(tools.playwright_core()),
        "SPCOPILOT_CHROMIUM": str(tools.chromium()),
        "SPCOPILOT_E2E_ARTIFACTS": str(tools.ARTIFACTS),
        "SPCOPILOT_E2E_LOGS": str(code_server["data"] / "logs"),
    }
    done = subprocess.run(
        [str(tools.node24()), str(tools.E2E / "vscode" / "drive.cjs")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = done.stdout.strip().splitlines()
    report: dict[str, Any] = json.loads(lines[-1]) if lines else {"ok": False, "error": done.stderr[-3000:]}
    assert report["ok"], (
        f"{report.get('error')}\nsteps: {report.get('steps')}\n{_logs(code_server['data'], code_server['log'])}"
    )
    steps = report["steps"]
    assert steps["status"].endswith("spcopilot: replay"), steps["status"]
    problems = "\n".join(steps["problems"])
    assert 'L4D2 has no event "pounce"; use "lunge_pounce"' in problems and "SPC201" in problems
    assert "`RandomFloat` is not a SourceMod function" in problems and "SPC101" in problems
    assert any("lunge_pounce" in item for item in steps["quickFixMenu"])
    # `HookEvent("` typed with VS Code's auto-closing: `")` after the cursor. The server's item
    # replaces them (its range covers them): the ghost text is shown around them, and Tab gives
    # the line once, not `...Event_Incap);")`.
    assert steps["typedLine"].strip() == 'HookEvent("")', steps
    assert steps["ghostText"].startswith("player_incapacitated"), steps
    assert steps["ghostParts"] == ["player_incapacitated", ", Event_Incap", ";"], steps
    assert steps["lineWithGhost"].strip() == 'HookEvent("player_incapacitated", Event_Incap);', steps
    assert steps["accepted"].strip() == 'HookEvent("player_incapacitated", Event_Incap);', steps
    # Asked again at the end of the accepted text, the model repeats itself: nothing is shown.
    assert steps["ghostsAfterAccept"] == [], steps
    assert steps["lineAfterAccept"].strip() == 'HookEvent("player_incapacitated", Event_Incap);', steps
    # What the session saved: the quick fix, fix all and the accepted suggestion.
    saved = (code_server["root"] / PLUGIN).read_text(encoding="utf-8").splitlines()
    assert saved[23] == '\tHookEvent("lunge_pounce", Event_Pounce);'
    assert saved[24:26] == ["\t// e2e: hook the incap event here", '\tHookEvent("player_incapacitated", Event_Incap);']
    assert "\tfloat bonus = GetRandomFloat(1.0, 3.0);" in saved
    assert (tools.ARTIFACTS / "vscode-final.png").is_file()
    # References of the `hunter` local (its declaration and four uses), renamed everywhere by F2
    # (and saved); the global under the cursor is a semantic token of type variable, global.
    original = (tools.FIXTURES / "workspace" / PLUGIN).read_text(encoding="utf-8")
    uses = len(re.findall(r"\bhunter\b", original))
    assert steps["references"].splitlines()[-1] == f"References ({uses})", steps["references"]
    assert sum(line.count("pouncer") for line in saved) == uses and not re.search(r"\bhunter\b", "\n".join(saved))
    assert "semantic token type" in steps["semanticToken"] and "variable" in steps["semanticToken"]
    assert "global" in steps["semanticToken"], steps["semanticToken"]
    # Explain and Generate plugin (replay backend): the plugin opens, the guard fixed RandomFloat.
    assert steps["explain"]
    assert steps["generatedTab"].startswith("announce_the_tank_health")
    generated = "\n".join(steps["generatedLines"])
    assert "Timer_Announce" in generated and "GetRandomFloat(0.0, 1.0)" in generated
