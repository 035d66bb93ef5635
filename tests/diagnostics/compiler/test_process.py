"""Finding and running the compiler, with a stand-in executable (tests/spcomp_standin.py says
why: no SourcePawn compiler can be installed here). What is tested is ours: the search, the
identity check, the arguments, the temp output, unsaved buffers, timeout, cancel, crashes and
garbage, and that nothing is left behind or written next to the user's file."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from spcopilot.diagnostics.compiler import CompileCheck, find_compiler
from spcopilot.diagnostics.compiler.locate import CompilerError, candidates, identify
from spcopilot.diagnostics.compiler.run import compile_plugin
from spcopilot.diagnostics.config import Config

from tests.spcomp_standin import PLUGIN, is_running, listing, path_with, runs, write_standin


# -- finding it ----------------------------------------------------------------------------------
def test_found_on_path_with_its_version(tmp_path: Path):
    write_standin(tmp_path / "bin", "spcomp64")
    search = find_compiler(environ={"PATH": path_with(tmp_path / "bin")})
    assert search.compiler is not None and search.compiler.path == tmp_path / "bin" / "spcomp64"
    assert search.compiler.version == "1.12.0.7000"
    assert "SourcePawn Compiler 1.12.0.7000" in search.describe()


def test_found_next_to_an_include_folder_when_not_on_path(sm_tree: Path):
    write_standin(sm_tree, "spcomp")
    search = find_compiler(include_dirs=[sm_tree / "include"], environ={"PATH": "/usr/bin:/bin"})
    assert search.compiler is not None and search.compiler.path == sm_tree / "spcomp"


def test_found_next_to_an_include_folder_that_is_a_symlink(tmp_path: Path):
    """`scripting/include` linked to a shared copy: the compiler next to the link is found (the
    folder is not resolved first), and one next to the link's target still is."""
    shared = tmp_path / "shared" / "include"
    shared.mkdir(parents=True)
    scripting = tmp_path / "sm" / "scripting"
    scripting.mkdir(parents=True)
    (scripting / "include").symlink_to(shared, target_is_directory=True)
    write_standin(scripting, "spcomp64")
    search = find_compiler(include_dirs=[scripting / "include"], environ={"PATH": "/usr/bin:/bin"})
    assert search.compiler is not None and search.compiler.path == scripting / "spcomp64"
    (scripting / "spcomp64").unlink()
    write_standin(shared.parent, "spcomp")
    search = find_compiler(include_dirs=[scripting / "include"], environ={"PATH": "/usr/bin:/bin"})
    assert search.compiler is not None and search.compiler.path == shared.parent / "spcomp"


def test_found_beside_the_plugin_in_the_sourcemod_layout_with_nothing_configured(
    sm_tree: Path, monkeypatch: pytest.MonkeyPatch, spcomp_log: Path
):
    """addons/sourcemod/scripting/{spcomp64, include/, tank_hp.sp}: no include-dirs, nothing on
    PATH; the plugin's own scripting/ folder has the compiler (also for a plugin in a subfolder)."""
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    write_standin(sm_tree, "spcomp64")
    (sm_tree / "sub").mkdir()
    (sm_tree / "sub" / "deep.sp").write_text("public Plugin myinfo = {};\n")
    check = CompileCheck()
    assert check.compiler is None  # not found for any plugin...
    for plugin in (sm_tree / "tank_hp.sp", sm_tree / "sub" / "deep.sp"):
        assert check.search_for(plugin).compiler is not None  # ...but for these
        report = check.check(plugin)
        assert report.compiled and report.compiler is not None and report.compiler.path == sm_tree / "spcomp64"
    assert len(runs(spcomp_log)) == 2
    elsewhere = sm_tree.parent.parent / "other" / "x.sp"
    elsewhere.parent.mkdir()
    elsewhere.write_text("public Plugin myinfo = {};\n")
    assert check.search_for(elsewhere).compiler is None and not check.check(elsewhere).compiled


def test_nothing_found_says_where_it_looked(tmp_path: Path):
    search = find_compiler(include_dirs=[tmp_path], environ={"PATH": str(tmp_path)})
    assert search.compiler is None and search.rejected == []
    assert (
        "spcomp/spcomp64 on PATH, next to an include folder or in the plugin's scripting/ folder" in search.describe()
    )


def test_a_different_program_with_the_same_name_is_passed_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    impostor = write_standin(tmp_path / "bin", "spcomp")
    real = write_standin(tmp_path / "sm" / "scripting", "spcomp64")
    (tmp_path / "sm" / "scripting" / "include").mkdir()
    monkeypatch.setenv("STANDIN_BANNER", "spcomp 0.3 - Spectral Computation Toolkit")
    search = find_compiler(
        include_dirs=[tmp_path / "sm" / "scripting" / "include"], environ={"PATH": str(impostor.parent)}
    )
    assert search.compiler is None  # both print the impostor banner now
    assert len(search.rejected) == 2
    assert "is not SourcePawn's compiler" in search.rejected[0] and "Spectral Computation" in search.rejected[0]
    monkeypatch.delenv("STANDIN_BANNER")
    real.touch()  # a new mtime: identified again
    os.utime(real, (time.time() + 5, time.time() + 5))
    search = find_compiler(
        include_dirs=[tmp_path / "sm" / "scripting" / "include"], environ={"PATH": str(impostor.parent)}
    )
    assert search.compiler is not None and search.compiler.path == real


def test_a_configured_compiler_that_cannot_run_is_an_error_not_replaced(tmp_path: Path):
    write_standin(tmp_path / "bin", "spcomp")  # a working one on PATH is NOT used instead
    broken = tmp_path / "spcomp-not-executable"
    broken.write_text("#!/bin/sh\necho SourcePawn Compiler 1.11\n")
    search = find_compiler(broken, environ={"PATH": path_with(tmp_path / "bin")})
    assert search.compiler is None and search.configured
    assert search.rejected == [f"{broken} is not executable (chmod +x {broken})"]
    missing = find_compiler(tmp_path / "nope", environ={"PATH": path_with(tmp_path / "bin")})
    assert missing.rejected == [f"{tmp_path / 'nope'}: no such file"]
    folder = find_compiler(tmp_path, environ={})
    assert "is a folder" in folder.rejected[0]


def test_a_binary_that_cannot_be_executed_on_this_system(tmp_path: Path):
    fake = tmp_path / "spcomp"
    fake.write_bytes(b"MZ\x90\x00 not an ELF file")
    fake.chmod(0o755)
    with pytest.raises(CompilerError, match=r"cannot be run: Exec format error.*spcomp64"):
        identify(fake)


def test_candidates_skip_missing_files_and_repeat_nothing(sm_tree: Path):
    write_standin(sm_tree, "spcomp")
    assert candidates([sm_tree / "include", sm_tree / "include"], {"PATH": str(sm_tree)}) == [sm_tree / "spcomp"]


# -- running it ----------------------------------------------------------------------------------
def test_compiles_into_a_temp_dir_that_is_removed_and_touches_nothing_of_the_user(
    spcomp, sm_tree: Path, spcomp_log: Path
):
    before = listing(sm_tree.parent)
    run = compile_plugin(spcomp, sm_tree / "tank_hp.sp", include_dirs=[sm_tree / "include"])
    assert run.ok and run.returncode == 1
    assert [(Path(m.path), m.line, m.code) for m in run.messages] == [
        (sm_tree / "tank" / "hud.sp", 3, "spcomp-001"),
        (sm_tree / "tank_hp.sp", 8, "spcomp-017"),
        (sm_tree / "tank_hp.sp", 9, "spcomp-204"),
    ]
    [call] = runs(spcomp_log)
    out = next(a for a in call["args"] if a.startswith("-o"))[2:]
    assert Path(call["cwd"]) == Path(out).parent and not Path(out).parent.exists()
    assert not Path(out).is_relative_to(sm_tree.parent)
    assert f"-i{sm_tree / 'include'}" in call["args"]
    assert listing(sm_tree.parent) == before


def test_a_clean_plugin_writes_its_smx_only_into_the_temp_dir(spcomp, sm_tree: Path):
    (sm_tree / "clean.sp").write_text("public Plugin myinfo = {};\n")
    before = listing(sm_tree.parent)
    run = compile_plugin(spcomp, sm_tree / "clean.sp")
    assert run.ok and run.returncode == 0 and run.messages == []
    assert listing(sm_tree.parent) == before


def test_an_unsaved_buffer_is_compiled_from_a_temp_copy_with_its_relative_includes(
    spcomp, sm_tree: Path, spcomp_log: Path
):
    buffer = PLUGIN.replace('float f = RandomFloat(0.0, 1.0);  // standin: error 017: undefined symbol "RandomFloat"',
                            "ShowHud(0);").encode()  # fmt: skip
    before = listing(sm_tree.parent)
    run = compile_plugin(spcomp, sm_tree / "tank_hp.sp", text=buffer)
    assert run.ok
    # the buffer's findings, reported on the real file; "tank/hud.sp" resolved from the real folder
    assert [(Path(m.path), m.code) for m in run.messages] == [
        (sm_tree / "tank" / "hud.sp", "spcomp-001"),
        (sm_tree / "tank_hp.sp", "spcomp-204"),
    ]
    [call] = runs(spcomp_log)
    compiled = next(a for a in call["args"] if not a.startswith("-"))
    assert compiled != str(sm_tree / "tank_hp.sp") and Path(compiled).name == "tank_hp.sp"
    assert not Path(compiled).exists()
    assert listing(sm_tree.parent) == before
    assert (sm_tree / "tank_hp.sp").read_text() == PLUGIN  # the file on disk is untouched


def test_a_missing_include_is_the_compilers_fatal_error(spcomp, sm_tree: Path):
    run = compile_plugin(spcomp, sm_tree / "tank_hp.sp", text=b'#include "nowhere.sp"\n')
    assert run.ok and [(m.kind, m.number, m.text) for m in run.messages] == [
        ("fatal error", 120, 'cannot read from file: "nowhere.sp"')
    ]


def test_a_hanging_compiler_is_killed_at_the_timeout(
    spcomp, sm_tree: Path, monkeypatch: pytest.MonkeyPatch, spcomp_log: Path
):
    monkeypatch.setenv("STANDIN_MODE", "hang")
    run = compile_plugin(spcomp, sm_tree / "tank_hp.sp", timeout=0.5)
    assert not run.ok and "did not finish compiling tank_hp.sp within 0.5 s" in run.problem
    assert run.messages == []
    [call] = runs(spcomp_log)
    assert not is_running(call["pid"])
    assert not Path(call["cwd"]).exists()


def test_cancelling_kills_the_compiler(spcomp, sm_tree: Path, monkeypatch: pytest.MonkeyPatch, spcomp_log: Path):
    monkeypatch.setenv("STANDIN_MODE", "hang")
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    run = compile_plugin(spcomp, sm_tree / "tank_hp.sp", timeout=60, should_stop=stop.is_set)
    assert run.cancelled and not run.problem
    [call] = runs(spcomp_log)
    assert not is_running(call["pid"]) and not Path(call["cwd"]).exists()


@pytest.mark.parametrize(
    ("mode", "says"),
    [
        ("crash", "crashed (SIGSEGV) while compiling tank_hp.sp"),
        ("garbage", "failed on tank_hp.sp (exit code 3) without a message in the compiler's format; it printed: "),
        (
            "silent-fail",
            "failed on tank_hp.sp (exit code 1) without a message in the compiler's format; it printed: 'nothing'",
        ),
        ("flood", "printed more than 4 MB for tank_hp.sp and was stopped"),
    ],
)
def test_a_broken_compiler_gives_one_clear_problem(
    spcomp, sm_tree: Path, monkeypatch, mode: str, says: str, spcomp_log: Path
):
    monkeypatch.setenv("STANDIN_MODE", mode)
    before = listing(sm_tree.parent)
    run = compile_plugin(spcomp, sm_tree / "tank_hp.sp")
    assert says in run.problem and run.messages == []
    assert listing(sm_tree.parent) == before
    [call] = runs(spcomp_log)
    assert not Path(call["cwd"]).exists()


def test_a_compiler_removed_after_it_was_found(spcomp, sm_tree: Path):
    spcomp.path.unlink()
    run = compile_plugin(spcomp, sm_tree / "tank_hp.sp")
    assert "cannot run" in run.problem and "No such file" in run.problem


def test_never_two_compiles_of_the_same_file_at_once(
    spcomp, sm_tree: Path, monkeypatch: pytest.MonkeyPatch, spcomp_log: Path
):
    monkeypatch.setenv("STANDIN_MODE", "slow")
    threads = [threading.Thread(target=compile_plugin, args=(spcomp, sm_tree / "tank_hp.sp")) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    entries = runs(spcomp_log)
    starts = sorted(e["start"] for e in entries if "start" in e)
    ends = sorted(e["end"] for e in entries if "end" in e)
    assert len(starts) == len(ends) == 3
    assert all(end <= next_start for end, next_start in zip(ends, starts[1:], strict=False))


# -- the check the CLI, server and guard share -----------------------------------------------------
def test_a_part_file_is_checked_through_the_plugin_that_includes_it(spcomp, sm_tree: Path):
    check = CompileCheck(Config(include_dirs=(sm_tree / "include",)))
    report = check.check(sm_tree / "tank" / "hud.sp")
    assert report.targets == [sm_tree / "tank_hp.sp"] and report.compiled
    assert [d.code for d in report.diagnostics] == ["spcomp-001"]
    assert sorted(report.by_file) == [str(sm_tree / "tank" / "hud.sp"), str(sm_tree / "tank_hp.sp")]


def test_an_include_file_alone_is_not_compiled(spcomp, sm_tree: Path, spcomp_log: Path):
    report = CompileCheck().check(sm_tree / "include" / "sourcemod.inc")
    assert report.targets == [] and not report.compiled and runs(spcomp_log) == []


def test_without_a_compiler_the_check_reports_nothing(sm_tree: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    check = CompileCheck()
    assert check.compiler is None
    report = check.check(sm_tree / "tank_hp.sp")
    assert report.by_file == {str(sm_tree / "tank_hp.sp"): []} and not report.compiled
