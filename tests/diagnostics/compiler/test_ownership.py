"""Whose include files the compiler's warnings are in (ownership.py), and a finding reported by
two plugins' compiles once while repeats within one compile stay."""

from __future__ import annotations

from pathlib import Path

from spcopilot.diagnostics.compiler.check import CompileCheck, CompileReport
from spcopilot.diagnostics.compiler.output import CompilerMessage
from spcopilot.diagnostics.compiler.ownership import IncludeOwnership
from spcopilot.diagnostics.compiler.run import CompileRun
from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.model import Severity


def test_configured_include_folders_outside_the_workspace_are_not_yours(tmp_path: Path):
    work, vendor = tmp_path / "work", tmp_path / "vendor"
    (work / "include").mkdir(parents=True)
    vendor.mkdir()
    owned = IncludeOwnership([work / "include", vendor], workspace=[work])
    assert owned.owns(work / "include" / "mine.inc") and owned.owns(work / "plugin.sp")
    assert not owned.owns(vendor / "left4dhooks_stocks.inc")
    assert owned.owns(tmp_path / "elsewhere.inc")  # not in any include folder


def test_the_compilers_own_include_folder_and_symlinks(tmp_path: Path):
    sm = tmp_path / "sm" / "scripting"
    (sm / "include").mkdir(parents=True)
    (sm / "spcomp64").write_text("")
    link = tmp_path / "work" / "vendor"
    link.parent.mkdir()
    link.symlink_to(tmp_path / "sm", target_is_directory=True)
    owned = IncludeOwnership([], workspace=[tmp_path / "work"])
    owned.add_compiler(sm / "spcomp64")
    assert not owned.owns(sm / "include" / "halflife.inc")
    inside = IncludeOwnership([], workspace=[tmp_path / "sm"])  # a workspace that holds the compiler: yours
    inside.add_compiler(sm / "spcomp64")
    assert inside.owns(sm / "include" / "halflife.inc")
    assert not owned.owns(link / "scripting" / "include" / "halflife.inc")  # resolved like the compiler's paths


def _message(path: Path, line: int, caret: int, kind: str = "warning") -> CompilerMessage:
    return CompilerMessage(str(path), line, line, kind, 213, "tag mismatch", caret)


def test_a_part_file_two_plugins_include_reports_its_findings_once_and_keeps_repeats(tmp_path: Path):
    part = tmp_path / "hud.sp"
    part.write_text("void F()\n{\n    bool a = i, b = i;\n}\n")
    check = CompileCheck(Config(), workspace=[tmp_path])
    report = CompileReport(tmp_path / "a.sp")
    twice = [_message(part, 3, 9), _message(part, 3, 9)]  # the compiler printed it twice
    for plugin in ("a.sp", "b.sp"):
        check._add(report, CompileRun(tmp_path / plugin, messages=twice), lambda p: Path(p).read_bytes())
    assert len(report.by_file[str(part)]) == 2


def test_warnings_in_a_vendor_include_get_the_setting_and_errors_stay(tmp_path: Path):
    vendor = tmp_path / "vendor"
    vendor.mkdir()
    inc = vendor / "v.inc"
    inc.write_text("int a;\nint b;\n")
    check = CompileCheck(
        Config(include_dirs=(vendor,), spcomp_include_severity=Severity.HINT), workspace=[tmp_path / "w"]
    )
    report = CompileReport(tmp_path / "w" / "p.sp")
    run = CompileRun(tmp_path / "w" / "p.sp", messages=[_message(inc, 1, 4), _message(inc, 2, 4, "error")])
    check._add(report, run, lambda p: Path(p).read_bytes())
    assert [d.severity for d in report.by_file[str(inc)]] == [Severity.HINT, Severity.ERROR]
