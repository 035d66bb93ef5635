"""The playground end to end in a real browser: Debian's Chromium driven by playwright-core
(tests/api/playground_drive.cjs) against a live `spcopilot api` on the replay backend. The
screenshots are kept in tests/e2e/artifacts/ (playground.png, playground-chat.png).

The browser and node come from tests/e2e/setup.sh (tests/e2e/tools.py finds them): a missing
one skips the test, except under CI=true, where it fails."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.api.answers import CHAT_QUESTION, TANK_PROMPT
from tests.api.live_server import TEST_TOKEN, ApiServer
from tests.e2e import tools

DRIVE = Path(__file__).resolve().parent / "playground_drive.cjs"
pytestmark = pytest.mark.slow  # .ci/run's second stage: Chromium


def cost_tokens(badge: str) -> int:
    found = re.match(r"([\d,]+) tokens · \$0\.0000$", badge)
    assert found, badge
    return int(found.group(1).replace(",", ""))


def drive(server: ApiServer, **env: str) -> dict[str, Any]:
    """Run the drive script against `server`; its report (failing with its error and the server's log)."""
    node, playwright, browser = tools.node24(), tools.playwright_core(), tools.chromium()
    tools.ARTIFACTS.mkdir(exist_ok=True)
    done = subprocess.run(
        [str(node), str(DRIVE)],
        env=tools.private_env(
            Path(server.log).parent / "browser",
            SPCOPILOT_PLAYGROUND_URL=server.url,
            SPCOPILOT_PLAYWRIGHT=str(playwright),
            SPCOPILOT_CHROMIUM=str(browser),
            SPCOPILOT_E2E_ARTIFACTS=str(tools.ARTIFACTS),
            SPCOPILOT_CHAT_QUESTION=CHAT_QUESTION,
            **env,
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = done.stdout.strip().splitlines()
    report: dict[str, Any] = json.loads(lines[-1]) if lines else {"ok": False, "error": done.stderr[-3000:]}
    assert report["ok"], f"{report.get('error')}\nsteps: {report.get('steps')}\n{server.stderr()[-3000:]}"
    return report


def test_the_playground_in_chromium(replay_api: ApiServer) -> None:
    for old in tools.ARTIFACTS.glob("playground*.png"):
        old.unlink()
    report = drive(replay_api)
    assert report["problems"] == []  # no script error, no failed request in the page's console
    steps = report["steps"]
    assert steps["backend"] == "replay · replay:replay.jsonl"

    # pasted code, checked and fixed without a model
    assert any("SPC201" in d and 'no event "pounce"' in d for d in steps["checked"])
    assert "sev-error" in steps["checkedLine"]  # the line with the finding is marked
    assert 'HookEvent("lunge_pounce", Event_Pounce);' in steps["fixedCode"]

    # a preset generated through the guard: highlighted code, diagnostics beside it
    assert steps["prompt"] == TANK_PROMPT  # the page's preset is the prompt the replay knows
    assert steps["status"].startswith("clean · ")
    assert 'HookEvent("tank_spawn", Event_TankSpawn);' in steps["code"] and "GetRandomFloat(0.0, 1.0)" in steps["code"]
    assert steps["highlightedText"] == steps["code"]  # the colours sit on the very text, line by line
    assert steps["metrics"]["highlight"] == steps["metrics"]["textarea"]  # ... in the same place
    assert {"tok-keyword", "tok-type", "tok-string", "tok-number", "tok-preproc", "tok-function"} <= set(
        steps["tokenKinds"]
    )
    assert "GetRandomFloat" in steps["functions"] and "HookEvent" in steps["functions"]
    assert len(steps["diagnostics"]) == 1 and "SPC405" in steps["diagnostics"][0]
    assert steps["warningLines"] >= 1
    assert {code for item in steps["repaired"] for code in re.findall(r"SPC\d{3}", item)} == {"SPC201", "SPC101"}
    assert steps["selected"] and steps["selected"] in steps["code"]

    # chat: the streamed answer, guarded, highlighted, with the guard's notes
    assert 'HookEvent("lunge_pounce", Event_Pounce);' in steps["answer"]
    assert "GetRandomFloat" in steps["answerFunctions"]
    assert "guard fixed SPC201, SPC101" in steps["notes"] and "no cost (local)" in steps["notes"]

    # the running cost counts every answer
    assert 0 < cost_tokens(steps["costAfterGenerate"]) < cost_tokens(steps["costAfterChat"])
    assert (tools.ARTIFACTS / "playground.png").is_file() and (tools.ARTIFACTS / "playground-chat.png").is_file()


def test_the_playground_asks_a_server_that_wants_a_token_for_it(token_api: ApiServer) -> None:
    steps = drive(token_api, SPCOPILOT_PLAYGROUND_TOKEN=TEST_TOKEN)["steps"]
    assert "needs `Authorization: Bearer <token>`" in steps["asked"]
    assert steps["tokenBarHidden"] is True
    assert any("SPC201" in d for d in steps["checked"])  # requests carry the token now
