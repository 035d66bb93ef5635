"""A stand-in for SourcePawn's compiler, for tests of how we run one.

No SourcePawn compiler can be installed on these machines (SourceMod is not in PyPI, npm or
Debian), so the process handling (found on PATH, arguments, timeout, cancel, temp output,
unsaved buffers, crashes) is tested against this small executable. It is NOT a compiler: it
prints output in spcomp's format for markers the test writes into the source, e.g.

    x = RandomFloat();  // standin: error 017: undefined symbol "RandomFloat"

and follows `#include "…"`/`#include <…>` the way spcomp does (the including file's folder,
then each `-i` folder in order, then `include/` next to the compiler), reporting markers in included files on their own paths and a
missing include as spcomp's fatal error 120. Run without arguments it prints spcomp's banner.

Behaviour switches, set by the test through the environment:
    STANDIN_LOG=FILE    append {"args", "cwd"} as a JSON line per run
    STANDIN_MODE=hang | crash | garbage | flood | silent-fail | slow (0.4 s, logs its end)
    STANDIN_BANNER=text (replace the banner: "a different program with the same name")
    STANDIN_REPLAY=FILE replay what a real compiler printed for this plugin (see `replay_spec`):
                        the recorded stdout/stderr bytes, with the recorded folders replaced
                        by the test's, and the recorded exit code
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest
from spcopilot.diagnostics.compiler.locate import Compiler, identify

SCRIPT = r"""
import json, os, re, signal, sys, time

BANNER = os.environ.get("STANDIN_BANNER", "SourcePawn Compiler 1.12.0.7000 (stand-in)")
mode = os.environ.get("STANDIN_MODE", "")
args = sys.argv[1:]
def log(**entry):
    if os.environ.get("STANDIN_LOG"):
        with open(os.environ["STANDIN_LOG"], "a") as f:
            f.write(json.dumps(entry) + "\n")

log(args=args, cwd=os.getcwd(), pid=os.getpid(), start=time.time())
replay = os.environ.get("STANDIN_REPLAY")
if replay and args:
    with open(replay, encoding="utf-8") as f:
        spec = json.load(f)
    source = next(a for a in args if not a.startswith("-"))
    for recorded, current in spec["roots"].items():
        if source.startswith(current):
            source = recorded + source[len(current):]
    run = spec["runs"][source]
    for stream, name in ((sys.stdout, "stdout"), (sys.stderr, "stderr")):
        data = open(run[name], "rb").read() if run.get(name) else b""
        for recorded, current in spec["roots"].items():
            data = data.replace(recorded.encode(), current.encode())
        stream.buffer.write(data)
        stream.flush()
    sys.exit(run["exit_code"])
if not args:
    print(BANNER)
    print("Copyright (c) 2004-2021 AlliedModders LLC\n")
    print("Usage: spcomp <filename> [filename...] [options]")
    sys.exit(1)
if mode == "hang":
    time.sleep(3600)
if mode == "crash":
    os.kill(os.getpid(), signal.SIGSEGV)
if mode == "garbage":
    print("\x1b[31mSegmentation fault in module libfoo.so\x1b[0m\n???")
    sys.exit(3)
if mode == "flood":
    while True:
        sys.stdout.write("x" * 65536 + "\n")
if mode == "silent-fail":
    sys.exit(1)
if mode == "slow":
    time.sleep(0.4)
    log(end=time.time())

source = next(a for a in args if not a.startswith("-"))
out = next((a[2:] for a in args if a.startswith("-o")), None)
# like spcomp: the -i folders, then the `include` folder next to the compiler itself
folders = [a[2:] for a in args if a.startswith("-i")] + [os.path.join(os.path.dirname(sys.argv[0]), "include")]
marker = re.compile(r"//\s*standin:\s*((?:fatal error|error|warning) \d+: .*)")
include = re.compile(r'^\s*#\s*(?:try)?include\s*[<"]([^>"]+)[>"]')
errors = warnings = 0
seen = set()
print(BANNER)
print("Copyright (c) 2004-2021 AlliedModders LLC\n")

def resolve(name, here):
    for folder in [here, *folders]:
        for candidate in (name, name + ".inc", name + ".sp"):
            path = os.path.join(folder, candidate)
            if os.path.isfile(path):
                return path
    return None

def compile_file(path, shown):
    global errors, warnings
    real = os.path.realpath(path)
    if real in seen:
        return
    seen.add(real)
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    for number, line in enumerate(lines, 1):
        m = include.match(line)
        if m:
            found = resolve(m.group(1), os.path.dirname(path))
            if found is None:
                print(f'{shown}({number}) : fatal error 120: cannot read from file: "{m.group(1)}"')
                print("\nCompilation aborted.")
                sys.exit(1)
            compile_file(found, found)
        m = marker.search(line)
        if m:
            text = m.group(1)
            span = f"{number} -- {number + 1}" if "[range]" in line else str(number)
            print(f"{shown}({span}) : {text}")
            if "[continued]" in line:
                print("    which the compiler explains on a second line")
            errors += not text.startswith("warning")
            warnings += text.startswith("warning")

compile_file(source, source)
if errors:
    print(f"\n{errors} Error{'s' if errors > 1 else ''}.")
    sys.exit(1)
if out:
    with open(out, "wb") as f:
        f.write(b"FFPS stand-in")
print("Code size:         3264 bytes\nData size:         2200 bytes")
if warnings:
    print(f"\n{warnings} Warning{'s' if warnings > 1 else ''}.")
"""


def write_standin(folder: Path, name: str = "spcomp") -> Path:
    """Write the stand-in as an executable `folder/name` (run by this Python)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!{sys.executable}\n# spcopilot test stand-in for spcomp (tests/spcomp_standin.py)\n{SCRIPT}")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def path_with(folder: Path) -> str:
    """A PATH that finds the stand-in first and no real spcomp."""
    return os.pathsep.join([str(folder), "/usr/bin", "/bin"])


# -- fixtures (registered by tests/conftest.py) ---------------------------------------------------
PLUGIN = """#include <sourcemod>
#include "tank/hud.sp"

public Plugin myinfo = { name = "tank hp" };

public void OnPluginStart()
{
    float f = RandomFloat(0.0, 1.0);  // standin: error 017: undefined symbol "RandomFloat"
    int unused;  // standin: warning 204: symbol is assigned a value that is never used: "unused"
}
"""
HUD = """void ShowHud(int client)
{
    PrintHintText(client, "%d", 1)  // standin: error 001: expected token: ";", but found "}"
}
"""


@pytest.fixture()
def sm_tree(tmp_path: Path) -> Path:
    """A SourceMod-like layout: scripting/{tank_hp.sp, tank/hud.sp, include/sourcemod.inc}."""
    scripting = tmp_path / "sm" / "scripting"
    (scripting / "include").mkdir(parents=True)
    (scripting / "include" / "sourcemod.inc").write_text("native int GetClientCount();\n")
    (scripting / "tank").mkdir()
    (scripting / "tank" / "hud.sp").write_text(HUD)
    (scripting / "tank_hp.sp").write_text(PLUGIN)
    return scripting


@pytest.fixture()
def spcomp_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the stand-in writes a line per run (its arguments, working folder, pid)."""
    path = tmp_path / "spcomp-standin.log"
    monkeypatch.setenv("STANDIN_LOG", str(path))
    return path


@pytest.fixture()
def spcomp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spcomp_log: Path) -> Compiler:
    """The stand-in, identified, first on PATH (and the only compiler there)."""
    folder = tmp_path / "bin"
    compiler = identify(write_standin(folder))
    monkeypatch.setenv("PATH", path_with(folder))
    return compiler


def runs(log: Path) -> list[dict]:
    """The stand-in's compile runs (not the banner runs that identify it), and their ends."""
    entries = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return [e for e in entries if e.get("args") or "end" in e]


def listing(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


def is_running(pid: int) -> bool:
    """Whether a process still runs (a zombie waiting for its parent does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split()[2] != "Z"
