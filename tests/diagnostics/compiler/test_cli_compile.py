"""`spcopilot check --compile`, with the stand-in compiler (tests/spcomp_standin.py)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli_fixtures import clean_env, cli  # noqa: F401 - fixtures
from tests.interruptible import interruptible
from tests.spcomp_standin import is_running, listing, runs


def test_compiler_findings_join_ours_and_a_duplicate_of_ours_is_dropped(cli, spcomp, sm_tree: Path):  # noqa: F811
    before = listing(sm_tree.parent)
    run = cli("check", "--compile", "--format", "json", sm_tree)
    assert run.code == 1, run.err
    rows = json.loads(run.out)
    found = sorted(
        (Path(r["path"]).relative_to(sm_tree).as_posix(), r["range"]["start"]["line"], r["code"]) for r in rows
    )
    assert found == [
        ("tank/hud.sp", 2, "spcomp-001"),  # in a part file: reported there
        ("tank_hp.sp", 7, "SPC101"),  # RandomFloat: ours (with its fix); the compiler's 017 is dropped
        ("tank_hp.sp", 8, "spcomp-204"),
    ]
    hud = next(r for r in rows if r["code"] == "spcomp-001")
    assert hud["severity"] == "error" and hud["fix"] is None and hud["rule"] == "spcomp"
    assert listing(sm_tree.parent) == before  # nothing written into the user's tree


def test_text_and_sarif(cli, spcomp, sm_tree: Path):  # noqa: F811
    text = cli("check", "--compile", sm_tree)
    assert "tank_hp.sp:9:5: warning: spcomp-204 symbol is assigned a value that is never used" in text.out
    sarif = json.loads(cli("check", "--compile", "--format", "sarif", sm_tree).out)
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    compiler_rule = next(r for r in rules if r["id"] == "spcomp-001")
    assert compiler_rule["name"] == "spcomp"


def test_a_plugin_is_compiled_once_however_many_of_its_files_are_checked(cli, spcomp, sm_tree: Path, spcomp_log: Path):  # noqa: F811
    cli("check", "--compile", sm_tree / "tank_hp.sp", sm_tree / "tank" / "hud.sp")
    assert len([line for line in spcomp_log.read_text().splitlines() if '"args": ["' in line]) == 1


def test_without_a_compiler_it_says_so_and_shows_the_rule_findings(cli, sm_tree: Path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    plain = cli("check", "--format", "json", sm_tree)
    run = cli("check", "--compile", "--format", "json", sm_tree)
    assert "note: --compile: no SourcePawn compiler found" in run.err
    assert run.code == plain.code == 1 and run.out == plain.out


def test_a_named_compiler_that_cannot_be_used_is_a_usage_error(cli, sm_tree: Path, tmp_path: Path):  # noqa: F811
    bad = tmp_path / "spcomp"
    bad.write_text("not a program")
    run = cli("check", "--compile", "--spcomp", bad, sm_tree)
    assert run.code == 2
    assert f"--compile: {bad} is not executable (chmod +x {bad})" in run.err


def test_the_spcomp_key_of_the_config_file(cli, spcomp, sm_tree: Path, tmp_path: Path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    (sm_tree / ".spcopilot.toml").write_text(f'spcomp = "{spcomp.path}"\n')
    run = cli("check", "--compile", "--format", "json", sm_tree)
    assert "spcomp-204" in {r["code"] for r in json.loads(run.out)}


@pytest.mark.parametrize("mode", ["crash", "hang", "garbage"])
def test_a_compile_without_a_verdict_is_in_json_and_sarif(cli, spcomp, sm_tree, monkeypatch, mode):  # noqa: F811
    """A crash, a hang or garbage: a `spcomp` finding on each plugin; the rule findings stay."""
    monkeypatch.setenv("STANDIN_MODE", mode)
    (sm_tree / "second.sp").write_text("public Plugin myinfo = {};\n")
    run = cli("check", "--compile", "--compile-timeout", "0.5", "--format", "json", sm_tree)
    assert run.code == 1
    rows = json.loads(run.out)
    assert {r["code"] for r in rows} == {"SPC101", "spcomp"}
    problems = sorted((Path(r["path"]).name, r) for r in rows if r["code"] == "spcomp")
    assert [name for name, _ in problems] == ["second.sp", "tank_hp.sp"]  # one per plugin, on the plugin
    expected = {"crash": "crashed (SIGSEGV)", "hang": "did not finish", "garbage": "without a message"}[mode]
    for _, row in problems:
        assert row["rule"] == "spcomp" and row["severity"] == "error" and row["fix"] is None
        assert expected in row["message"] and row["range"]["start"] == {"line": 0, "character": 0}
    assert "spcomp" not in run.err  # said once, in the report

    sarif = json.loads(cli("check", "--compile", "--compile-timeout", "0.5", "--format", "sarif", sm_tree).out)
    [invocation] = sarif["runs"][0]["invocations"]
    notes = invocation["toolExecutionNotifications"]
    assert sorted(
        n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 1)[-1] for n in notes
    ) == [
        "second.sp",
        "tank_hp.sp",
    ]
    assert all(n["level"] == "error" and expected in n["message"]["text"] for n in notes)
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"SPC101"}  # not a finding about the code

    text = cli("check", "--compile", "--compile-timeout", "0.5", sm_tree)
    assert "second.sp:1:1: error: spcomp " in text.out and expected in text.out


def test_ctrl_c_stops_the_compilers(spcomp, sm_tree: Path, spcomp_log: Path, monkeypatch):
    monkeypatch.setenv("STANDIN_MODE", "hang")
    process = subprocess.Popen(
        interruptible([sys.executable, "-m", "spcopilot", "check", "--compile", str(sm_tree)]),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    for _ in range(400):
        if runs(spcomp_log):
            break
        time.sleep(0.05)
    [call] = runs(spcomp_log)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130 and b"interrupted" in err
    assert not is_running(call["pid"]) and not Path(call["cwd"]).exists()
