"""Fixtures for the evaluation tests: a clean environment, the CLI run in-process, replay files
and small batteries written into the test's folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_fixtures import AI_ENV, Run, clean_env, cli  # noqa: F401 (fixtures for this folder)

HERE = Path(__file__).parent
REPO = HERE.parents[2]
BATTERY = REPO / "training" / "eval" / "data" / "battery.jsonl"
PROBES = REPO / "training" / "eval" / "data" / "probes.jsonl"
REFERENCE = HERE / "reference"  # a correct answer to every prompt of the shipped battery
HELD_OUT = HERE / "held_out"  # two small plugins of ours for the hole benchmark


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def fenced(code: str) -> str:
    return f"Here is the plugin:\n```sourcepawn\n{code}```\n"


def battery_prompt(prompt: str) -> str:
    """What a chat backend sees as the last user message of a battery prompt."""
    from spcopilot.server.ai.prompts import tasks

    return tasks.plugin_messages(prompt)[-1].content


# A small battery of four prompts whose flaws and fixes the tests know (answers.py).
PROMPTS = {
    "events-pounce": "Hook the hunter pounce event and print the victim's name.",
    "props-speed": "Add a !fast command that doubles the player's speed.",
    "sql-names": "Store the name of every player who joins in a database.",
    "api-random": "Give every survivor 10 to 50 random extra health at round start.",
}
ESCAPE = ["SQL_EscapeString", ".Escape(", ".Format(", "SQL_FormatQuery"]


@pytest.fixture
def small_battery(tmp_path: Path) -> Path:
    return write_jsonl(
        tmp_path / "battery.jsonl",
        [
            {"id": "events-pounce", "category": "events", "prompt": PROMPTS["events-pounce"],
             "required": ['"lunge_pounce"', "GetClientOfUserId", ["%N", "GetClientName"]], "forbidden": ['"pounce"']},
            {"id": "props-speed", "category": "props", "prompt": PROMPTS["props-speed"],
             "required": ['"m_flLaggedMovementValue"'], "forbidden": ['"m_flSpeed"']},
            {"id": "sql-names", "category": "sql", "prompt": PROMPTS["sql-names"], "required": [ESCAPE],
             "forbidden": [r"re:\bSQL_(Fast)?Query\s*\("]},
            {"id": "api-random", "category": "api", "prompt": PROMPTS["api-random"], "required": ["GetRandomInt"],
             "forbidden": [r"re:(?<![\w.])RandomInt\("]},
        ],
    )  # fmt: skip
