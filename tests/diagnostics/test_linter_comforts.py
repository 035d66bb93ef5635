"""Part 4 of issue 20: --add-ignore, --statistics, --output-format github/gitlab (the CLI
in-process through `spcopilot.cli.main`); --watch has its own test file (a real process)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from spcopilot.diagnostics.add_ignore import add_ignores
from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.engine import lint

from tests import cli_fixtures
from tests.cli_fixtures import Run

clean_env = cli_fixtures.clean_env  # the CLI in-process, in a working folder with no settings around it
cli = cli_fixtures.cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

PLUGIN = (
    "#include <sourcemod>\n"
    "int g_iKills[MAXPLAYERS];\n"
    "public void OnPluginStart()\n"
    "{\n"
    '    HookEvent("pounce", Event_Pounce);\n'
    "    int hp = RoundFloat(2.5); // keep the old rounding\n"
    "}\n"
    "public void Event_Pounce(Event event, const char[] name, bool dontBroadcast) {}\n"
)


@pytest.fixture
def plugins(tmp_path: Path) -> Path:
    target = tmp_path / "plugins"
    shutil.copytree(EXAMPLES, target)
    return target


def test_add_ignore_silences_everything_and_a_second_run_adds_nothing(plugins: Path, cli: Callable[..., Run]) -> None:
    before = cli("check", plugins, "--format", "json").json()
    assert before
    run = cli("check", plugins, "--add-ignore")
    assert "added suppression comments" in run.out
    assert cli("check", plugins, "--format", "json").json() == []
    texts = {p: p.read_bytes() for p in plugins.glob("*.sp")}
    again = cli("check", plugins, "--add-ignore")
    assert "added suppression comments" not in again.out
    assert {p: p.read_bytes() for p in plugins.glob("*.sp")} == texts
    # and the comments added are all used: nothing for SPC801 to report
    assert [d for d in cli("check", plugins, "--format", "json").json() if d["code"] == "SPC801"] == []


def test_add_ignore_keeps_crlf_bom_and_other_comments(tmp_path: Path, cli: Callable[..., Run]) -> None:
    path = tmp_path / "p.sp"
    path.write_bytes(b"\xef\xbb\xbf" + PLUGIN.replace("\n", "\r\n").encode())
    cli("check", path, "--add-ignore")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data[3:].split(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert lines[1] == b"int g_iKills[MAXPLAYERS]; // spcopilot: ignore[SPC603]"
    assert lines[4] == b'    HookEvent("pounce", Event_Pounce); // spcopilot: ignore[SPC201]'
    assert lines[5] == b"    int hp = RoundFloat(2.5); // keep the old rounding // spcopilot: ignore[SPC701]"


def test_add_ignore_merges_into_an_existing_comment_and_skips_continued_lines() -> None:
    source = b"int g_a[MAXPLAYERS]; // spcopilot: ignore[SPC701]\n#define TABLE \\\n    1\n\n"
    found = lint(source, "p.sp", Config(select=("SPC603",)))
    assert [d.range.start.line for d in found] == [0]
    result = add_ignores(source, found)
    assert result.source.split(b"\n")[0] == b"int g_a[MAXPLAYERS]; // spcopilot: ignore[SPC701, SPC603]"
    # a finding on a line continued with a backslash, or on a blank line, is left and counted
    fake = [*found, *(_moved(found[0], line) for line in (1, 3))]
    assert add_ignores(source, fake).left == 2


def _moved(d, line):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from spcopilot.diagnostics.model import Position, Range

    return replace(d, range=Range(Position(line, 0), Position(line, 1)))


def test_add_ignore_refuses_fix_together(plugins: Path, cli: Callable[..., Run]) -> None:
    assert cli("check", plugins, "--add-ignore", "--fix").code == 2


def test_statistics_counts_per_rule(plugins: Path, cli: Callable[..., Run]) -> None:
    findings = cli("check", plugins, "--format", "json").json()
    rows = cli("check", plugins, "--statistics", "--format", "json").json()
    assert sum(r["count"] for r in rows) == len(findings)
    by_code = {r["code"]: r["count"] for r in rows}
    for code in {f["code"] for f in findings}:
        assert by_code[code] == sum(1 for f in findings if f["code"] == code)
    assert [r["count"] for r in rows] == sorted((r["count"] for r in rows), reverse=True)
    text = cli("check", plugins, "--statistics")
    assert text.code == 1
    first = text.out.splitlines()[0].split()
    assert first[0] == str(rows[0]["count"]) and first[1] == rows[0]["code"]


def test_github_annotations(tmp_path: Path, cli: Callable[..., Run]) -> None:
    path = tmp_path / "a,b:c.sp"
    path.write_text(PLUGIN.replace("keep the old rounding", "100% sure\nint x;"), encoding="utf-8")
    run = cli("check", path, "--output-format", "github")
    lines = run.out.splitlines()
    assert run.code == 1 and lines
    for line in lines:
        assert line.startswith(("::error ", "::warning ", "::notice "))
        props, _message = line.split("::", 2)[1:]
        assert "file=" in props and "a%2Cb%3Ac.sp" in props
    pounce = next(line for line in lines if "SPC201" in line)
    assert pounce.startswith("::error ") and ",line=5,col=15," in pounce


def test_gitlab_code_quality(plugins: Path, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(plugins.parent)
    rows = cli("check", plugins, "--format", "gitlab").json()
    findings = cli("check", plugins, "--format", "json").json()
    assert len(rows) == len(findings)
    assert len({r["fingerprint"] for r in rows}) == len(rows)
    for row in rows:
        assert row["location"]["path"].startswith("plugins/")
        assert row["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert row["location"]["positions"]["begin"]["line"] >= 1
    # the fingerprint stays when the finding moves down a line
    target = plugins / "hunter_pounce_stats.sp"
    target.write_text("// a new first line\n" + target.read_text(encoding="utf-8"), encoding="utf-8")
    moved = cli("check", plugins, "--format", "gitlab").json()
    assert {r["fingerprint"] for r in moved} == {r["fingerprint"] for r in rows}


def test_output_format_is_an_alias_of_format(plugins: Path, cli: Callable[..., Run]) -> None:
    assert cli("check", plugins, "--output-format", "json").json() == cli("check", plugins, "--format", "json").json()
    assert json.loads(cli("check", plugins, "--output-format", "sarif").out)["version"] == "2.1.0"
