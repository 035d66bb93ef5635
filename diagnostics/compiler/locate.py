"""Finding the user's SourcePawn compiler, and making sure it is one.

Where we look, first match wins:
1. the path the user gave (`--spcomp`, the `spcomp` key of `.spcopilot.toml`, the editor
   setting). A configured compiler that does not work is an error, never silently replaced;
2. `spcomp`, then `spcomp64`, on PATH;
3. next to an include folder: SourceMod's layout keeps the compiler in `scripting/` beside
   `scripting/include/` (`spcomp`, `spcomp64`, and the `.exe` names on Windows). Beside the
   folder as configured first, then beside the folder a symlink points to (a
   `scripting/include` linked to a shared copy still finds the `scripting/spcomp64` next to
   the link);
4. next to the plugin being compiled: in its own folder and in every `scripting/` folder
   above it (the standard `addons/sourcemod/scripting` layout, `spcomp64` beside the plugin),
   with nothing configured. `plugin_folders` gives these.

A candidate counts only when running it without arguments prints SourcePawn's banner
(`SourcePawn Compiler 1.11.0.6911`): a different program called `spcomp`, a 32-bit build on a
system without 32-bit libraries, or a file that is not executable is passed over with the
reason recorded, so `spcopilot info` can say why none was used. Identification is cached per
file (path, size, modification time).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from spcopilot.diagnostics.compiler.output import parse_output
from spcopilot.diagnostics.errors import SpcopilotError

NAMES = ("spcomp", "spcomp64")
IDENTIFY_TIMEOUT_S = 10.0


class CompilerError(SpcopilotError):
    """A compiler that cannot be used; the message says which file and what to do."""


@dataclass(frozen=True, slots=True)
class Compiler:
    path: Path
    banner: str  # "SourcePawn Compiler 1.11.0.6911"

    @property
    def version(self) -> str:
        """ "1.11.0.6911" from the banner ("" when it names none)."""
        words = self.banner.split()
        return words[2] if len(words) > 2 and words[2][:1].isdigit() else ""

    def to_json(self) -> dict[str, str]:
        return {"path": str(self.path), "version": self.version, "banner": self.banner}


@dataclass(slots=True)
class CompilerSearch:
    """The outcome of a search: the compiler, or None with every candidate's reason."""

    compiler: Compiler | None = None
    rejected: list[str] = field(default_factory=list)  # "PATH: why it was not used"
    configured: bool = False  # the user named a compiler (then `rejected` is an error)

    def describe(self) -> str:
        if self.compiler is not None:
            return f"{self.compiler.banner} at {self.compiler.path}"
        if not self.rejected:
            return (
                "no SourcePawn compiler found (spcomp/spcomp64 on PATH, next to an include folder "
                "or in the plugin's scripting/ folder)"
            )
        return "no usable SourcePawn compiler: " + "; ".join(self.rejected)


_identified: dict[tuple[str, int, int], Compiler | str] = {}
_identified_lock = threading.Lock()


def identify(path: Path, timeout: float = IDENTIFY_TIMEOUT_S) -> Compiler:
    """Run `path` without arguments and read its banner; raise CompilerError when it is not
    SourcePawn's compiler or cannot run."""
    try:
        stat = path.stat()
    except OSError:
        raise CompilerError(f"{path}: no such file") from None
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _identified_lock:
        known = _identified.get(key)
    if known is None:
        try:
            known = _run_banner(path, timeout)
        except CompilerError as error:
            known = str(error)
        with _identified_lock:
            _identified[key] = known
    if isinstance(known, str):
        raise CompilerError(known)
    return known


def _run_banner(path: Path, timeout: float) -> Compiler:
    if path.is_dir():
        raise CompilerError(f"{path} is a folder, not the compiler")
    try:
        done = subprocess.run(
            [str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise CompilerError(f"{path} did not answer within {timeout:g} s when asked for its version") from None
    except PermissionError:
        raise CompilerError(f"{path} is not executable (chmod +x {path})") from None
    except OSError as exc:
        hint = (
            " (a 32-bit spcomp on a 64-bit system needs 32-bit libraries; try spcomp64)" if exc.errno in (2, 8) else ""
        )
        raise CompilerError(f"{path} cannot be run: {exc.strerror}{hint}") from None
    printed = done.stdout.decode("utf-8", "replace")
    banner = parse_output(printed).banner
    if not banner:
        first = next((line.strip() for line in printed.splitlines() if line.strip()), "nothing")
        raise CompilerError(
            f"{path} is not SourcePawn's compiler: run without arguments it printed {first[:80]!r}, "
            "not the 'SourcePawn Compiler' banner"
        )
    return Compiler(path, banner)


def plugin_folders(plugin: Path) -> list[Path]:
    """Where a plugin's own compiler may sit: the plugin's folder, then every `scripting/`
    folder above it (nearest first)."""
    here = Path(os.path.abspath(plugin)).parent
    return [here, *(f for f in here.parents if f.name.lower() == "scripting")]


def candidates(
    include_dirs: Iterable[Path] = (), environ: Mapping[str, str] | None = None, beside: Iterable[Path] = ()
) -> list[Path]:
    """Where a compiler may be, in the order they are tried (existing files only, no repeats):
    PATH, next to each include folder (as given, then its resolved target), then in the
    `beside` folders (a plugin's, see `plugin_folders`)."""
    env = os.environ if environ is None else environ
    found: list[Path] = []

    def add(path: Path | str | None) -> None:
        if path is not None and Path(path).is_file() and Path(path) not in found:
            found.append(Path(path))

    def add_in(folder: Path) -> None:
        for name in NAMES:
            for suffix in ("", ".exe"):
                add(folder / f"{name}{suffix}")

    for name in NAMES:
        add(shutil.which(name, path=env.get("PATH", os.defpath)))
    for folder in include_dirs:
        add_in(Path(os.path.abspath(folder)).parent)
        add_in(_resolved(folder).parent)
    for folder in beside:
        add_in(folder)
    return found


def _resolved(folder: Path) -> Path:
    try:
        return folder.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return folder


def find_compiler(
    configured: Path | None = None,
    include_dirs: Sequence[Path] = (),
    environ: Mapping[str, str] | None = None,
    beside: Sequence[Path] = (),
) -> CompilerSearch:
    """The compiler to use: the configured one (or why it cannot be used), else the first
    candidate that identifies as SourcePawn's compiler."""
    if configured is not None:
        try:
            return CompilerSearch(identify(configured), configured=True)
        except CompilerError as error:
            return CompilerSearch(None, [str(error)], configured=True)
    search = CompilerSearch()
    for path in candidates(include_dirs, environ, beside):
        try:
            search.compiler = identify(path)
            return search
        except CompilerError as error:
            search.rejected.append(str(error))
    return search
