"""The shell side of the repository (.ci/, tests/e2e/setup.sh) agrees with the package."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from spcopilot.diagnostics.include_cache import default_cache_root

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "env",
    [
        {"SPCOPILOT_CACHE_DIR": "/c/spc", "XDG_CACHE_HOME": "/c/xdg", "HOME": "/c/home"},
        {"XDG_CACHE_HOME": "/c/xdg", "HOME": "/c/home"},
        {"HOME": "/c/home"},
    ],
)
def test_one_cache_folder_rule(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """.ci/run and tests/e2e/setup.sh (through .ci/cache-dir) use the folder the package uses."""
    for name in ("SPCOPILOT_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    shell = subprocess.run(["bash", str(REPO / ".ci" / "cache-dir")], capture_output=True, text=True, env=os.environ)
    assert shell.stdout.strip() == str(default_cache_root())


def test_the_scripts_name_only_that_folder() -> None:
    for script in (REPO / ".ci" / "run", REPO / "tests" / "e2e" / "setup.sh"):
        text = script.read_text(encoding="utf-8")
        assert ".ci/cache-dir" in text, script
        assert ".cache/spcopilot" not in text and "SPCOPILOT_E2E_CACHE" not in text, script


# -- .ci/prerequisites, on a stand-in system: dpkg-query, apt-get, id and Python are shell scripts
# in a folder that is the whole PATH, so what it would install (and how) is what it asked for.
def _system(tmp_path: Path, installed: set[str], *, root: bool = True, apt: bool = True) -> dict[str, str]:
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    log = tmp_path / "apt.log"

    def script(name: str, body: str) -> None:
        (bin_ / name).write_text(f"#!/bin/bash\n{body}\n", encoding="utf-8")
        (bin_ / name).chmod(0o755)

    for tool in ("grep", "env", "cat"):
        (bin_ / tool).symlink_to(
            subprocess.run(["bash", "-c", f"command -v {tool}"], capture_output=True, text=True).stdout.strip()
        )
    known = " ".join(sorted(installed))
    script("dpkg-query", f'case " {known} " in *" ${{@: -1}} "*) printf "install ok installed" ;; *) exit 1 ;; esac')
    script("id", f"echo {0 if root else 1000}")
    # the interpreter .ci/prerequisites asks about venv and Python.h: they are there when Debian's
    # packages for them are
    script(
        "python",
        f'case "$2" in *ensurepip*) [[ " {known} " == *" python3-venv "* ]] ;; *) [[ " {known} " == *" python3-dev "* ]] ;; esac',
    )
    if "npm" in installed:
        script("npm", "exit 0")
    if apt:
        script("apt-get", f'echo "$@" >> {log}')
    return {"PATH": str(bin_), "PYTHON": str(bin_ / "python"), "HOME": str(tmp_path)}


def _prerequisites(env: dict[str, str], *groups: str) -> subprocess.CompletedProcess[str]:
    bash = subprocess.run(["bash", "-c", "command -v bash"], capture_output=True, text=True).stdout.strip()
    return subprocess.run([bash, str(REPO / ".ci" / "prerequisites"), *groups], capture_output=True, text=True, env=env)


BUILD = {"python3-venv", "python3-dev", "gcc", "libc6-dev", "npm", "g++", "cmake", "make"}
E2E = {"neovim", "chromium", "libkrb5-dev", "g++", "make", "python3-venv", "npm"}


def test_prerequisites_present_installs_nothing(tmp_path: Path) -> None:
    result = _prerequisites(_system(tmp_path, BUILD | E2E), "build", "e2e")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "apt.log").exists()


def test_prerequisites_installs_each_missing_package_once(tmp_path: Path) -> None:
    """A bare Debian (what the fresh-machine run started from has none of these): the compilers
    and headers come before anything is built, each package named once although both groups want it."""
    result = _prerequisites(_system(tmp_path, {"gcc"}), "build", "e2e")
    assert result.returncode == 0, result.stderr
    update, install = (tmp_path / "apt.log").read_text().splitlines()
    assert update == "update -qq"
    words = install.split()
    assert words[:4] == ["install", "-y", "-qq", "--no-install-recommends"]
    assert sorted(words[4:]) == sorted((BUILD | E2E) - {"gcc"})


def test_prerequisites_without_root_or_apt_say_what_to_install(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    no_root = _prerequisites(_system(tmp_path / "a", BUILD - {"cmake"}, root=False), "build")
    assert no_root.returncode == 1
    assert "as root: apt-get install cmake" in no_root.stderr
    no_apt = _prerequisites(_system(tmp_path / "b", BUILD - {"g++"}, apt=False), "build")
    assert no_apt.returncode == 1
    assert "missing g++" in no_apt.stderr and "not a Debian/Ubuntu system" in no_apt.stderr


def test_ci_run_installs_prerequisites_before_it_compiles() -> None:
    """On a bare machine llama.cpp's build needs g++ and cmake: .ci/run asks for them first."""
    text = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert text.index("bash .ci/prerequisites build e2e") < text.index("python3 -m venv") < text.index("pip wheel")
