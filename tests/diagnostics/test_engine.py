"""The engine's own mechanics: suppression, config, severities, positions, fix selection,
game detection, multi-file plugins, and a crashing rule."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from spcopilot.diagnostics import Config, detect_game_of, fix_all, lint
from spcopilot.diagnostics import engine as engine_mod
from spcopilot.diagnostics.config import from_mapping, load_file
from spcopilot.diagnostics.errors import ConfigError
from spcopilot.diagnostics.fixes import apply_fixes, select_fixes
from spcopilot.diagnostics.linter import Linter
from spcopilot.diagnostics.model import Severity
from spcopilot.diagnostics.text import LineIndex
from tree_sitter import Node

POUNCE = 'public void OnPluginStart()\n{\n    HookEvent("pounce", Cb);\n}\n'


def codes(source: str, config: Config | None = None) -> list[str]:
    return [d.code for d in lint(source, "t.sp", config)]


# -- suppression -------------------------------------------------------------------------------
def test_suppression_same_line_and_line_above() -> None:
    assert codes(POUNCE) == ["SPC201"]
    assert codes(POUNCE.replace("Cb);", "Cb); // spcopilot: ignore[SPC201]")) == []
    assert codes(POUNCE.replace("    HookEvent", "    // spcopilot: ignore[SPC201]\n    HookEvent")) == []
    assert codes(POUNCE.replace("Cb);", "Cb); // spcopilot: ignore")) == []


def test_suppression_of_another_code_or_far_line_does_not_apply() -> None:
    # ... and the comment that silences nothing is reported itself (SPC801)
    assert sorted(codes(POUNCE.replace("Cb);", "Cb); // spcopilot: ignore[SPC101]"))) == ["SPC201", "SPC801"]
    far = POUNCE.replace("{\n", "{\n    // spcopilot: ignore[SPC201]\n\n")
    assert sorted(codes(far)) == ["SPC201", "SPC801"]


def test_file_level_suppression() -> None:
    assert codes("// spcopilot: ignore-file[SPC201]\n" + POUNCE) == []
    assert codes("// spcopilot: ignore-file\n" + POUNCE) == []
    assert sorted(codes("// spcopilot: ignore-file[SPC999]\n" + POUNCE)) == ["SPC201", "SPC801"]


# -- configuration -----------------------------------------------------------------------------
def test_select_ignore_prefixes_and_severity_override() -> None:
    both = POUNCE.replace("HookEvent", "float f = RandomFloat(0.0, 1.0);\n    HookEvent")
    assert sorted(codes(both)) == ["SPC101", "SPC201"]
    assert codes(both, Config(select=("SPC2",))) == ["SPC201"]
    assert codes(both, Config(ignore=("SPC1",))) == ["SPC201"]
    found = lint(both, "t.sp", Config(severity={"SPC201": Severity.HINT}))
    assert {d.code: d.severity for d in found}["SPC201"] is Severity.HINT


def test_config_file_and_errors(tmp_path: Path) -> None:
    (tmp_path / "inc").mkdir()
    cfg = tmp_path / ".spcopilot.toml"
    cfg.write_text(
        'select = ["SPC2"]\ngame = "l4d2"\ninclude-dirs = ["inc"]\nfail-on = "error"\n[severity]\nSPC401 = "hint"\n'
    )
    config = load_file(cfg)
    assert config.select == ("SPC2",) and config.game == "l4d2" and config.fail_on is Severity.ERROR
    assert config.include_dirs == (tmp_path / "inc",)
    assert config.severity == {"SPC401": Severity.HINT}
    with pytest.raises(ConfigError, match="unknown setting"):
        from_mapping({"selct": ["SPC1"]})
    with pytest.raises(ConfigError, match="not a rule code"):
        from_mapping({"select": ["E501"]})
    with pytest.raises(ConfigError, match="use one of"):
        from_mapping({"game": "portal2"})
    with pytest.raises(ConfigError, match="unknown severity"):
        from_mapping({"severity": {"SPC101": "fatal"}})


def test_game_override_turns_l4d_rules_off() -> None:
    assert codes(POUNCE, Config(game="tf2")) == []


# -- positions ---------------------------------------------------------------------------------
def test_positions_utf16_and_utf8() -> None:
    source = 'char s[] = "😀é"; HookEvent("pounce", Cb);\n'.encode()
    index = LineIndex(source)
    offset = source.index(b'"pounce"')
    assert index.position(offset, "utf-8").character == offset
    assert index.position(offset, "utf-16").character == len('char s[] = "😀é"; HookEvent(') + 1  # 😀 is 2 units
    assert index.position(offset, "utf-32").character == len('char s[] = "😀é"; HookEvent(')
    for enc in ("utf-8", "utf-16", "utf-32"):
        pos = index.position(offset, enc)
        assert index.offset(pos.line, pos.character, enc) == offset
    assert index.offset(99, 0) == len(source)  # past the end clamps
    assert index.offset(0, 10_000) == source.index(b"\n")


def test_diagnostic_range_is_utf16() -> None:
    d = lint(
        '// 😀😀\nvoid F() { HookEvent("pounce", Cb); }\n'.replace("// 😀😀\n", '// x\nchar e[] = "😀"; '), "t.sp"
    )[0]
    assert d.range.start.character == len('char e[] = "😀"; void F() { HookEvent(') + 1


# -- fixes -------------------------------------------------------------------------------------
def test_overlapping_fixes_wait_for_the_next_round() -> None:
    source = b'void F() { HookEvent("pounce", A); HookEvent("pounce", B); float f = RandomFloat(0.0, 1.0); }'
    found = lint(source, "t.sp")
    assert len(select_fixes(found)) == 3
    fixed, applied = apply_fixes(source, found)
    assert fixed.count(b"lunge_pounce") == 2 and b"GetRandomFloat" in fixed and len(applied) == 3
    doubled = found + found  # the same fix twice overlaps itself: applied once
    assert len(select_fixes(doubled)) == 3


def test_fix_all_is_stable() -> None:
    result = fix_all(POUNCE)
    assert b'"lunge_pounce"' in result.source and result.rounds == 1
    assert fix_all(result.source).applied == ()


# -- game detection ----------------------------------------------------------------------------
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("name", ["tank_announcer.sp", "hunter_pounce_stats.sp", "rank_tracker.sp"])
def test_examples_are_l4d2(name: str) -> None:
    info = detect_game_of((EXAMPLES / name).read_bytes())
    assert info.game == "l4d2", info


def test_other_games_and_generic() -> None:
    tf2 = '#include <tf2_stocks>\npublic void OnPluginStart() { HookEvent("teamplay_round_start", E); }\nvoid F(int c) { TF2_RemoveAllWeapons(c); }\n'
    assert detect_game_of(tf2).game == "tf2"
    css = '#include <cstrike>\npublic void OnPluginStart() { HookEvent("bomb_planted", E); }\n'
    assert detect_game_of(css).game == "csgo"
    plain = 'public void OnPluginStart() { RegConsoleCmd("sm_hi", Cmd); }\n'
    info = detect_game_of(plain)
    assert info.game == "generic" and info.reasons
    l4d1 = 'public void OnPluginStart() { if (GetEngineVersion() != Engine_Left4Dead) SetFailState("L4D1 only"); }\n'
    assert detect_game_of(l4d1).game == "l4d1"


# -- multi-file plugins ------------------------------------------------------------------------
def test_part_file_sees_names_of_the_plugin_that_includes_it(tmp_path: Path) -> None:
    (tmp_path / "main.sp").write_text(
        '#include <sourcemod>\n#include "main/spawning.sp"\npublic Plugin myinfo = { name = "m" };\n'
        "stock void KillEntity(int e) { RemoveEntity(e); }\n"
    )
    part = tmp_path / "main" / "spawning.sp"
    part.parent.mkdir()
    part.write_text("void Spawn(int e) { KillEntity(e); float f = RandomFloat(0.0, 1.0); }\n")
    found = Linter().lint_file(part)
    assert [d.message.split("`")[1] for d in found] == ["RandomFloat"]  # KillEntity is defined by main.sp


# -- robustness --------------------------------------------------------------------------------
def test_a_crashing_rule_is_logged_and_skipped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from spcopilot.diagnostics.rules import rule_by_code

    rule = rule_by_code("SPC101")

    def boom(*args: object) -> None:
        raise RuntimeError("bug in the rule")

    monkeypatch.setattr(engine_mod, "_STRICT", False)
    monkeypatch.setattr(type(rule), "check_call", boom)
    with caplog.at_level(logging.ERROR):
        found = lint(POUNCE.replace("HookEvent", "RandomFloat(0.0, 1.0);\n    HookEvent"), "t.sp")
    assert [d.code for d in found] == ["SPC201"]
    assert "SPC101 failed" in caplog.text


def test_a_rule_failing_on_one_call_keeps_its_findings_on_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    from spcopilot.diagnostics.rules import rule_by_code

    rule = rule_by_code("SPC101")
    real = type(rule).check_call

    def fails_on_the_first(self: object, call: Node, name: str, ctx: object) -> object:
        if call.start_point.row == 2:
            raise RuntimeError("bug in the rule")
        return real(self, call, name, ctx)  # type: ignore[arg-type]

    monkeypatch.setattr(engine_mod, "_STRICT", False)
    monkeypatch.setattr(type(rule), "check_call", fails_on_the_first)
    source = "public void OnPluginStart()\n{\n    RandomFloat(0.0, 1.0);\n    RandomFloat(0.0, 2.0);\n}\n"
    assert [(d.code, d.range.start.line) for d in lint(source, "t.sp")] == [("SPC101", 3)]


def test_a_failing_include_scope_costs_no_findings(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from spcopilot.diagnostics import context as context_mod

    def scope(model: object) -> object:
        raise OSError(36, "File name too long")

    monkeypatch.setattr(context_mod, "_STRICT", False)
    source = POUNCE.replace("HookEvent", "RandomFloat(0.0, 1.0);\n    HookEvent")
    with caplog.at_level(logging.ERROR):
        found = lint("#include <l4d2_extra>\n" + source, "t.sp", scope=scope)  # type: ignore[arg-type]
    assert sorted(d.code for d in found) == ["SPC101", "SPC201"]
    assert "count as unread" in caplog.text


@pytest.mark.parametrize(
    "name",
    ["a" * 300, "b" * 5000 + ".inc", "x\x00y", "tab\there", "/etc/hostname", "C:/sm/x.inc", "../" * 40 + "x", ""],
)
def test_an_include_name_that_cannot_be_a_path_is_unresolved(tmp_path: Path, name: str) -> None:
    """Issue 15: a 300-character include name raised OSError inside the include scope and cost
    the file its findings (SPCOPILOT_STRICT=1 here: any exception fails the test)."""
    plugin = tmp_path / "p.sp"
    body = POUNCE.replace("HookEvent", "RandomFloat(0.0, 1.0);\n    HookEvent")
    found = Linter(Config(include_dirs=(tmp_path,))).lint_source(f'#include "{name}"\n{body}', plugin)
    assert sorted(d.code for d in found) == ["SPC101", "SPC201"]
    from spcopilot.diagnostics.include_index import IncludeIndex, IncludeRef

    assert IncludeIndex([tmp_path]).resolve(IncludeRef(name, False), plugin) is None


def test_query_is_compiled_once_per_rule_set() -> None:
    engine_mod.compile_rules.cache_clear()
    lint(POUNCE, "a.sp")
    lint(POUNCE + "\n", "b.sp")
    assert engine_mod.compile_rules.cache_info().misses == 1


def test_syntax_errors_everywhere_do_not_crash() -> None:
    garbage = '}{)(;; public ( void [[ HookEvent("pounce" \n' * 200
    lint(garbage, "g.sp")
    lint("", "empty.sp")
    lint("\x00\x01 binary-ish", "b.sp")


def test_first_lints_from_several_threads_find_the_same(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """In a fresh process (rules not loaded yet), threads that lint at once all get the findings:
    the rule catalogue is built once, not once per thread (the engine compares rule instances)."""
    import subprocess
    import sys

    script = (
        "import threading\n"
        "from spcopilot.diagnostics.engine import lint\n"
        "src = b'public void OnPluginStart() { float f = RandomFloat(0.0, 1.0); }\\n'\n"
        "out = []\n"
        "ts = [threading.Thread(target=lambda: out.append(len(lint(src, 'x.sp')))) for _ in range(4)]\n"
        "[t.start() for t in ts]; [t.join() for t in ts]\n"
        "print(sorted(out))\n"
    )
    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
        assert done.stdout.strip() == "[1, 1, 1, 1]"


def test_the_ai_table_of_the_config_file_is_not_the_engines(tmp_path: Path) -> None:
    path = tmp_path / ".spcopilot.toml"
    path.write_text('ignore = ["SPC701"]\n\n[ai]\nbackend = "llamacpp"\ngguf = "m.gguf"\n', encoding="utf-8")
    assert load_file(path).ignore == ("SPC701",)


def test_bytes_that_are_not_utf8_are_read_repaired() -> None:
    """Found by bench/fuzz_grammar.py: the query's text predicate decoded a callee strictly."""
    source = b"public void OnPluginStart()\n{\n    Random\xd9Float(0.0, 1.0);\n    RandomFloat(0.0, 1.0);\n}\n"
    found = lint(source, "t.sp")
    assert [(d.code, d.range.start.line) for d in found] == [("SPC101", 3)]
