"""`spcopilot check` as a user runs it: a real subprocess, real files, every output format,
fixes, exit codes and bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def spcopilot(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "spcopilot", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


@pytest.fixture
def plugins(tmp_path: Path) -> Path:
    target = tmp_path / "plugins"
    shutil.copytree(EXAMPLES, target)
    return target


def test_examples_show_planted_mistakes_and_exit_1(plugins: Path) -> None:
    run = spcopilot("check", str(plugins))
    assert run.returncode == 1, run.stderr
    assert "SPC201" in run.stdout and "SPC101" in run.stdout
    assert "tank_announcer.sp" not in run.stdout  # the clean example has no findings
    assert "Traceback" not in run.stderr


def test_json_contract(plugins: Path) -> None:
    run = spcopilot("check", "--format", "json", str(plugins))
    rows = json.loads(run.stdout)
    assert rows, "no findings in the examples"
    for row in rows:
        assert set(row) == {"path", "code", "rule", "severity", "message", "range", "fix"}
        assert set(row["range"]) == {"start", "end"} and set(row["range"]["start"]) == {"line", "character"}
        if row["fix"] is not None:
            assert row["fix"]["applicability"] in ("safe", "unsafe")
            for edit in row["fix"]["edits"]:
                assert set(edit) == {"range", "new_text"}
    pounce = next(r for r in rows if r["code"] == "SPC201")
    source = Path(pounce["path"]).read_text().splitlines()[pounce["range"]["start"]["line"]]
    start, end = pounce["range"]["start"]["character"], pounce["range"]["end"]["character"]
    assert source[start:end] == '"pounce"'


def test_sarif_is_2_1_0_with_rules_and_regions(plugins: Path) -> None:
    run = spcopilot("check", "--format", "sarif", str(plugins))
    doc = json.loads(run.stdout)
    assert doc["version"] == "2.1.0"
    run0 = doc["runs"][0]
    rule_ids = [r["id"] for r in run0["tool"]["driver"]["rules"]]
    assert "SPC201" in rule_ids
    result = next(r for r in run0["results"] if r["ruleId"] == "SPC201")
    assert run0["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "SPC201"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] >= 1 and region["startColumn"] >= 1
    assert result["level"] == "error"


def test_fix_repairs_and_second_fix_changes_nothing(plugins: Path) -> None:
    target = plugins / "hunter_pounce_stats.sp"
    before = target.read_text()
    assert spcopilot("check", "--fix", str(target)).returncode in (0, 1)
    after = target.read_text()
    assert 'HookEvent("lunge_pounce"' in after and "GetRandomFloat(" in after
    assert after != before
    rerun = spcopilot("check", "--fix", str(target))
    assert target.read_text() == after
    assert "SPC201" not in rerun.stdout and "SPC101" not in rerun.stdout


def test_diff_prints_and_changes_nothing(plugins: Path) -> None:
    target = plugins / "hunter_pounce_stats.sp"
    before = target.read_bytes()
    run = spcopilot("check", "--diff", str(target))
    assert '+    HookEvent("lunge_pounce", Event_Pounce);' in run.stdout
    assert target.read_bytes() == before


def test_without_fix_no_file_changes(plugins: Path) -> None:
    snapshot = {p: p.read_bytes() for p in plugins.iterdir()}
    spcopilot("check", "--format", "json", str(plugins))
    assert {p: p.read_bytes() for p in plugins.iterdir()} == snapshot


def test_select_ignore_and_fail_on(plugins: Path) -> None:
    target = str(plugins / "hunter_pounce_stats.sp")
    only = json.loads(spcopilot("check", "--format", "json", "--select", "SPC201", target).stdout)
    assert {r["code"] for r in only} == {"SPC201"}
    without = json.loads(spcopilot("check", "--format", "json", "--ignore", "SPC2", target).stdout)
    assert not any(r["code"].startswith("SPC2") for r in without)
    assert spcopilot("check", "--select", "SPC401", "--fail-on", "error", target).returncode == 0


def test_config_file_is_read(plugins: Path) -> None:
    (plugins / ".spcopilot.toml").write_text('ignore = ["SPC201"]\n[severity]\nSPC101 = "hint"\n')
    rows = json.loads(
        spcopilot("check", "--format", "json", str(plugins / "hunter_pounce_stats.sp"), cwd=plugins).stdout
    )
    assert not any(r["code"] == "SPC201" for r in rows)
    assert next(r for r in rows if r["code"] == "SPC101")["severity"] == "hint"


def test_bad_config_is_a_clear_usage_error(tmp_path: Path) -> None:
    (tmp_path / ".spcopilot.toml").write_text("select = [\n")
    (tmp_path / "a.sp").write_text("public void OnPluginStart() {}\n")
    run = spcopilot("check", str(tmp_path / "a.sp"), cwd=tmp_path)
    assert run.returncode == 2
    assert "not valid TOML" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.slow  # a 10 MB plugin
def test_bad_input_files(tmp_path: Path) -> None:
    (tmp_path / "empty.sp").write_bytes(b"")
    (tmp_path / "latin1.sp").write_bytes(
        "// Hé\xe9 \npublic void OnPluginStart() { float f = RandomFloat(0.0, 1.0); }\n".encode("latin-1")
    )
    (tmp_path / "binary.sp").write_bytes(b"\x7fELF\x00\x00\x01\x02" * 64)
    (tmp_path / "broken.sp").write_text('public void ( {{{ HookEvent("pounce", ;;; }}\n' * 50)
    # ~10 MB: a generated data table (the shape real huge plugins have) and a planted mistake.
    rows = "".join(f'    "c{i % 14}m{i % 5}_map_{i:07d}_spawn_{"x" * 40}",\n' for i in range(140_000))
    (tmp_path / "big.sp").write_text(
        f'char g_sMaps[][] = {{\n{rows}}};\npublic void OnPluginStart() {{ HookEvent("pounce", Cb); }}\n'
    )
    loop = tmp_path / "loop"
    loop.mkdir()
    (loop / "self").symlink_to(loop, target_is_directory=True)
    latin_before = (tmp_path / "latin1.sp").read_bytes()
    run = spcopilot("check", "--fix", str(tmp_path))
    assert "Traceback" not in run.stderr
    assert run.returncode == 1  # findings, no I/O error
    assert "binary.sp" in run.stderr and "binary" in run.stderr
    assert "latin1.sp" in run.stderr and "not valid UTF-8" in run.stderr
    assert (tmp_path / "latin1.sp").read_bytes() == latin_before  # never rewritten with replacement chars
    assert 'HookEvent("lunge_pounce", Cb)' in (tmp_path / "big.sp").read_text()  # the 10 MB file was fixed
    assert "applied 1 fix" in run.stdout


def test_unreadable_and_missing_paths_exit_2(tmp_path: Path) -> None:
    good = tmp_path / "good.sp"
    good.write_text("public void OnPluginStart() {}\n")
    run = spcopilot("check", str(good), str(tmp_path / "missing.sp"))
    assert run.returncode == 2
    assert "missing.sp: no such file" in run.stderr
    if os.geteuid() != 0:  # root reads everything
        locked = tmp_path / "locked.sp"
        locked.write_text("x")
        locked.chmod(0)
        assert spcopilot("check", str(locked)).returncode == 2


def test_rules_and_rule_docs() -> None:
    listing = spcopilot("rules")
    assert listing.returncode == 0 and "SPC201" in listing.stdout
    docs = spcopilot("rule", "SPC201")
    for section in ("What it does", "Why is this bad?", "Example", "Use instead"):
        assert section in docs.stdout
    assert spcopilot("rule", "misnamed-event").stdout == docs.stdout
    missing = spcopilot("rule", "SPC999")
    assert missing.returncode == 2 and "spcopilot rules" in missing.stderr


def test_usage_errors_exit_2() -> None:
    assert spcopilot("check", "--format", "xml").returncode == 2
    assert spcopilot("check", "--fix", "--diff", str(EXAMPLES)).returncode == 2
    assert spcopilot("check", "--include-dir", "/nonexistent/dir", str(EXAMPLES)).returncode == 2


def test_large_tree_uses_workers_and_matches_serial(tmp_path: Path) -> None:
    for i in range(40):
        shutil.copy(EXAMPLES / "hunter_pounce_stats.sp", tmp_path / f"p{i}.sp")
    parallel = json.loads(spcopilot("check", "--format", "json", "-j", "2", str(tmp_path)).stdout)
    serial = json.loads(spcopilot("check", "--format", "json", "-j", "1", str(tmp_path)).stdout)
    key = lambda r: (r["path"], r["range"]["start"]["line"], r["code"])  # noqa: E731
    assert sorted(parallel, key=key) == sorted(serial, key=key) and len(parallel) >= 40 * 4
