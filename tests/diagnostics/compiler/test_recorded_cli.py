"""`spcopilot check --compile` end to end on what the real compiler printed: the stand-in replays
the recorded output (fixtures/recorded/spcomp-1.12 and -1.13) for our plugins, copied into a
workspace, with the vendor include folder outside it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli_fixtures import clean_env, cli  # noqa: F401 - fixtures
from tests.diagnostics.compiler.recordings import FIXTURES, RecordedSet, recorded_set, write_replay
from tests.spcomp_standin import path_with, write_standin


@pytest.fixture(params=["spcomp-1.12", "spcomp-1.13"])
def replayed(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The plugins in tmp/work/plugins (the workspace), the vendor include in tmp/vendor (not
    the user's), and the stand-in on PATH replaying the recorded set. Returns the plugins folder."""
    recorded: RecordedSet = recorded_set(request.param)
    plugins = tmp_path / "work" / "plugins"
    shutil.copytree(FIXTURES / "plugins", plugins)
    vendor = tmp_path / "vendor" / "vendor-include"
    shutil.copytree(FIXTURES / "vendor-include", vendor)
    current = {"plugins": plugins, "vendor-include": vendor, "sourcemod-include": tmp_path / "sourcemod-include"}
    spec = write_replay(recorded, current, tmp_path / "replay.json")
    monkeypatch.setenv("STANDIN_REPLAY", str(spec))
    write_standin(tmp_path / "bin", "spcomp")
    monkeypatch.setenv("PATH", path_with(tmp_path / "bin"))
    return plugins


def rows(run) -> list[dict]:
    return [r for r in json.loads(run.out) if r["rule"] == "spcomp"]


def check(cli, *args):  # noqa: F811
    return cli("check", "--compile", "--format", "json", "--include-dir", Path("../vendor/vendor-include"), *args)


def test_compiler_like_text_in_the_source_is_not_a_finding(cli, replayed: Path):  # noqa: F811
    found = rows(check(cli, replayed / "c09_fake_messages.sp"))
    assert [(Path(r["path"]).name, r["range"]["start"]["line"], r["code"]) for r in found] == [
        ("c09_fake_messages.sp", 9, "spcomp-017")
    ]
    assert found[0]["range"]["start"]["character"] == 56  # `nothere`, not the line start


def test_an_empty_plugin_gets_the_compilers_message_on_itself(cli, replayed: Path):  # noqa: F811
    run = check(cli, replayed / "c01_empty.sp")
    [row] = rows(run)
    assert (row["path"], row["code"], row["severity"]) == (str(replayed / "c01_empty.sp"), "spcomp-417", "error")
    assert row["message"] == f'cannot read from file: "{replayed / "c01_empty.sp"}"'
    assert run.code == 1 and "spcomp" not in run.err  # a finding, not "printed nothing in its format"


def test_repeats_on_one_line_are_kept_and_each_has_its_column(cli, replayed: Path):  # noqa: F811
    found = rows(check(cli, replayed / "c04_tag_mismatch_x4.sp"))
    on_15 = [r["range"]["start"]["character"] for r in found if r["code"] == "spcomp-213"]
    assert on_15 == [9, 17, 25, 33]  # b1, b2, b3, b4
    assert len([r for r in found if r["code"] == "spcomp-253"]) == 4


def test_warnings_in_an_include_folder_that_is_not_yours_do_not_fail_a_clean_plugin(cli, replayed: Path):  # noqa: F811
    run = check(cli, replayed / "c25_vendor_warnings_only.sp")
    found = rows(run)
    assert [(Path(r["path"]).name, r["code"], r["severity"]) for r in found] == [
        ("c07_vendor.inc", "spcomp-203", "info"),
        ("c07_vendor.inc", "spcomp-219", "info"),
    ]
    assert run.code == 0  # under the default --fail-on warning
    strict = check(cli, "--spcomp-include-severity", "warning", replayed / "c25_vendor_warnings_only.sp")
    assert {r["severity"] for r in rows(strict)} == {"warning"} and strict.code == 1


def test_warnings_in_your_own_include_folder_stay_warnings(cli, replayed: Path):  # noqa: F811
    found = rows(check(cli, replayed / "c07_include_warnings.sp"))
    by_file = {(Path(r["path"]).name, r["severity"]) for r in found}
    assert by_file == {("c07_local.inc", "warning"), ("c07_vendor.inc", "info")}


def test_the_setting_in_the_config_file(cli, replayed: Path):  # noqa: F811
    (replayed.parent / ".spcopilot.toml").write_text(
        'include-dirs = ["../vendor/vendor-include"]\nspcomp-include-severity = "hint"\n'
    )
    run = cli("check", "--compile", "--format", "json", replayed / "c25_vendor_warnings_only.sp")
    assert {r["severity"] for r in rows(run)} == {"hint"} and run.code == 0


def test_half_a_character_in_a_message_prints_in_every_format(cli, replayed: Path):  # noqa: F811
    plugin = replayed / "c18_non_ascii_identifier.sp"
    assert rows(check(cli, plugin))[0]["message"] == 'expected token: "-identifier-", but found "\ufffd"'
    text = cli("check", "--compile", plugin)
    assert 'but found "\ufffd"' in text.out and text.code == 1
    sarif = json.loads(cli("check", "--compile", "--format", "sarif", plugin).out)
    assert any("\ufffd" in r["message"]["text"] for r in sarif["runs"][0]["results"])


def test_the_deprecation_with_a_stray_line_and_the_whole_tree(cli, replayed: Path):  # noqa: F811
    found = rows(check(cli, replayed / "c06_deprecated.sp"))
    [next_native] = [r for r in found if '"NextNative"' in r["message"]]
    assert next_native["message"].endswith("Don't call this, use NewWay()")
    shutil.rmtree(replayed / "c11_parts")  # no plugin includes it as Linux reads `c11_parts\hud.sp`: not recorded alone
    tree = check(cli, replayed)
    assert tree.code == 1
    names = {Path(r["path"]).name for r in rows(tree)}
    assert {"c09_fake_messages.sp", "hud.sp", "спасение выживших.sp", "c07_vendor.inc"} <= names
    assert not [r for r in rows(tree) if r["code"] == "spcomp"]  # every compile gave a verdict
