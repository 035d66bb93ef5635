"""`spcopilot check` never wedges: a file that takes longer than --file-timeout, or whose worker
dies, is reported by name, its worker is replaced and the other files are still checked; Ctrl-C
stops everything. The stand-in for the next grammar or rule bug is a lint that never returns (or
crashes) on one file name, patched in before the workers fork."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from spcopilot.diagnostics import Config
from spcopilot.diagnostics.checker import check_paths
from spcopilot.diagnostics.linter import Linter

PLUGIN = "public void OnPluginStart()\n{\n    float f = RandomFloat(0.0, 1.0);\n}\n"
STAND_IN = """
import os, signal, sys, time
from pathlib import Path
from spcopilot.diagnostics.linter import Linter

real = Linter.lint_source
marker = Path(os.environ["HANG_MARKER"])

def lint_source(self, source, path=None, tree=None, **kw):
    name = Path(path).name if path else ""
    if name.startswith("hang"):
        marker.write_text(str(os.getpid()))
        while True:  # a stuck scanner spins: CPU time, which is what the limit counts
            pass
    if name.startswith("wait"):  # blocked without computing (a FIFO, a lock): wall time
        time.sleep(3600)
    if name.startswith("crash"):
        import faulthandler
        faulthandler.disable()  # pytest's handler would print this stand-in crash's traceback
        os.kill(os.getpid(), signal.SIGSEGV)
    return real(self, source, path, tree, **kw)
"""


def stand_in(monkeypatch: pytest.MonkeyPatch, marker: Path) -> None:
    namespace: dict[str, object] = {}
    monkeypatch.setenv("HANG_MARKER", str(marker))
    exec(STAND_IN, namespace)
    monkeypatch.setattr(Linter, "lint_source", namespace["lint_source"])


def plugins(folder: Path, *names: str) -> Path:
    folder.mkdir(exist_ok=True)
    for name in names:
        (folder / name).write_text(PLUGIN)
    return folder


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_that_hangs_is_named_and_the_rest_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    from spcopilot.diagnostics import checker

    stand_in(monkeypatch, tmp_path / "marker")
    monkeypatch.setattr(checker, "WALL_FACTOR", 600)  # the CPU limit stops it, however loaded the machine
    folder = plugins(tmp_path / "p", "a.sp", "hang.sp", "m.sp", "z.sp")
    results = check_paths([folder], Config(), jobs=jobs, file_timeout=1.0)
    assert [r.path.name for r in results] == ["a.sp", "hang.sp", "m.sp", "z.sp"]
    by_name = {r.path.name: r for r in results}
    assert "hang.sp: gave up on it: checking it used more than 1 s of CPU time (--file-timeout 1)" in (
        by_name["hang.sp"].error
    )
    for name in ("a.sp", "m.sp", "z.sp"):
        assert [d.code for d in by_name[name].diagnostics] == ["SPC101"] and not by_name[name].error
    pid = int((tmp_path / "marker").read_text())
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


def test_a_worker_that_waits_without_computing_is_stopped_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from spcopilot.diagnostics import checker

    stand_in(monkeypatch, tmp_path / "marker")
    monkeypatch.setattr(checker, "WALL_FACTOR", 2)
    folder = plugins(tmp_path / "p", "wait.sp", "z.sp")
    by_name = {r.path.name: r for r in check_paths([folder], Config(), jobs=1, file_timeout=1.0)}
    assert (
        "wait.sp: gave up on it: checking it gave no answer within 2 s (--file-timeout 1)" in by_name["wait.sp"].error
    )
    assert [d.code for d in by_name["z.sp"].diagnostics] == ["SPC101"]


def test_a_worker_that_crashes_is_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in(monkeypatch, tmp_path / "marker")
    folder = plugins(tmp_path / "p", "a.sp", "crash.sp", "z.sp")
    results = check_paths([folder], Config(), jobs=1, file_timeout=30.0)
    by_name = {r.path.name: r for r in results}
    assert "crash.sp: the worker checking it stopped (killed by SIGSEGV)" in by_name["crash.sp"].error
    assert [d.code for d in by_name["z.sp"].diagnostics] == ["SPC101"]


def run_cli(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    script = STAND_IN + textwrap.dedent(
        """
        Linter.lint_source = lint_source
        from spcopilot.cli import main
        sys.exit(main(sys.argv[1:]))
        """
    )
    env = {**os.environ, "HANG_MARKER": str(tmp_path / "marker")}
    return subprocess.Popen(
        [sys.executable, "-c", script, "check", "--no-progress", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_cli_reports_the_file_and_exits_2(tmp_path: Path) -> None:
    folder = plugins(tmp_path / "p", "hang.sp", "ok.sp")
    process = run_cli(tmp_path, "--file-timeout", "1", str(folder / "hang.sp"), str(folder / "ok.sp"))
    out, err = process.communicate(timeout=120)
    assert process.returncode == 2, err
    assert "hang.sp: gave up on it" in out + err
    assert "ok.sp:3:" in out  # the other file's finding


def test_ctrl_c_stops_a_run_whose_worker_is_stuck(tmp_path: Path) -> None:
    folder = plugins(tmp_path / "p", "hang.sp")
    process = run_cli(tmp_path, "--file-timeout", "0", str(folder))  # 0: no limit, so only Ctrl-C ends it
    marker = tmp_path / "marker"
    waited = 0.0
    while not marker.exists() and waited < 60 and process.poll() is None:
        time.sleep(0.05)
        waited += 0.05
    assert marker.exists(), "the stuck worker never started"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and "interrupted" in err
    pid = int(marker.read_text())
    assert not Path(f"/proc/{pid}").exists(), "the stuck worker outlived the run"
