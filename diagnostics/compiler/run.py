"""Running the compiler on one plugin without touching the user's tree.

- The output goes to `-o<temp dir>/<name>.smx`, and the compiler runs inside that temp dir, so
  whatever it writes lands there; the dir is removed afterwards, also after a timeout, a cancel
  or a crash.
- An unsaved buffer is written to `<temp dir>/src/<file name>` and compiled from there, with the
  real file's folder (and its `include/`) first among the `-i` folders, so its
  `#include "part.sp"` and `#include <mine>` resolve as they would from the real file.
  Messages about the temp copy are reported on the real file.
- Never two compiles of the same file at once: a second one waits for the first.
- A timeout or `should_stop()` kills the compiler (its whole process group on POSIX).

Arguments use the joined forms (`-i<dir>`, `-o<file>`), which every spcomp version accepts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from spcopilot.diagnostics.compiler.locate import Compiler
from spcopilot.diagnostics.compiler.output import CompilerMessage, parse_output
from spcopilot.diagnostics.sources import path_key

DEFAULT_TIMEOUT_S = 60.0
MAX_OUTPUT_BYTES = 4 << 20  # a compiler printing more than this is stopped: it is not compiling
POLL_S = 0.05


@dataclass(slots=True)
class CompileRun:
    """What one compile produced: messages on the user's paths, or a problem to show once."""

    target: Path
    messages: list[CompilerMessage] = field(default_factory=list)
    returncode: int | None = None
    problem: str = ""  # crashed, timed out, printed garbage, could not start: one sentence
    cancelled: bool = False
    seconds: float = 0.0
    output: str = ""  # the compiler's raw output (for --verbose logs)

    @property
    def ok(self) -> bool:
        """The compiler ran to the end and said what it found (errors included)."""
        return not self.problem and not self.cancelled


_file_locks: dict[str, threading.Lock] = {}
_file_locks_guard = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    key = path_key(path)
    with _file_locks_guard:
        return _file_locks.setdefault(key, threading.Lock())


def compile_plugin(
    compiler: Compiler,
    path: Path,
    text: bytes | None = None,
    include_dirs: Sequence[Path] = (),
    timeout: float = DEFAULT_TIMEOUT_S,
    should_stop: Callable[[], bool] | None = None,
) -> CompileRun:
    """Compile the plugin at `path` (its unsaved `text` when given) and read the messages."""
    path = Path(os.path.abspath(path))
    with _lock_for(path):
        if should_stop is not None and should_stop():
            return CompileRun(path, cancelled=True)
        with tempfile.TemporaryDirectory(prefix="spcopilot-spcomp-") as tmp:
            return _compile_in(Path(tmp), compiler, path, text, include_dirs, timeout, should_stop)


def _compile_in(
    tmp: Path,
    compiler: Compiler,
    path: Path,
    text: bytes | None,
    include_dirs: Sequence[Path],
    timeout: float,
    should_stop: Callable[[], bool] | None,
) -> CompileRun:
    run = CompileRun(path)
    source = path
    if text is not None:
        (tmp / "src").mkdir()
        source = tmp / "src" / path.name
        source.write_bytes(text)
    args = compile_args(compiler.path, path, source, tmp, include_dirs)
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            args,
            cwd=tmp,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=sys.platform != "win32",
        )
    except PermissionError:
        run.problem = f"cannot run {compiler.path}: it is not executable (chmod +x {compiler.path})"
        return run
    except OSError as exc:
        run.problem = f"cannot run {compiler.path}: {exc.strerror}"
        return run
    chunks: list[bytes] = []
    reader = threading.Thread(target=_read_all, args=(process, chunks), daemon=True)
    reader.start()
    stopped = ""
    while True:
        reader.join(timeout=POLL_S)  # returns as soon as the compiler's output ends
        if not reader.is_alive():
            stopped = _wait_exit(process, timeout - (time.monotonic() - started))
            break
        if should_stop is not None and should_stop():
            stopped = "cancelled"
        elif time.monotonic() - started > timeout:
            stopped = "timeout"
        elif sum(map(len, chunks)) > MAX_OUTPUT_BYTES:
            stopped = "flood"
        if stopped:
            _kill(process)
            break
    process.wait()
    reader.join(timeout=5)
    run.seconds = time.monotonic() - started
    run.returncode = process.returncode
    run.output = b"".join(chunks).decode("utf-8", "surrogateescape")
    if stopped == "cancelled":
        run.cancelled = True
        return run
    if stopped == "timeout":
        run.problem = (
            f"{compiler.path.name} did not finish compiling {path.name} within {timeout:g} s and was stopped "
            "(raise the compile timeout for very large plugins)"
        )
        return run
    if stopped == "flood":
        run.problem = (
            f"{compiler.path.name} printed more than {MAX_OUTPUT_BYTES >> 20} MB for {path.name} and was stopped"
        )
        return run
    parsed = parse_output(run.output)
    run.messages = [m.with_path(_user_path(m.path, tmp, source, path)) for m in parsed.messages]
    if process.returncode < 0:
        name = _signal_name(-process.returncode)
        run.problem = f"{compiler.path.name} crashed ({name}) while compiling {path.name}"
    elif process.returncode != 0 and not parsed.errors:
        first = parsed.unrecognised[0][:120] if parsed.unrecognised else "nothing"
        run.problem = (
            f"{compiler.path.name} failed on {path.name} (exit code {process.returncode}) without a message "
            f"in the compiler's format; it printed: {first!r}"
        )
    return run


def compile_args(compiler: Path, path: Path, source: Path, out_dir: Path, include_dirs: Sequence[Path]) -> list[str]:
    """The command line for compiling `source` (the plugin at `path`, or its temp copy) into
    `out_dir`: the plugin's folder and its `include/` first among the include folders."""
    folders = [path.parent, path.parent / "include", *include_dirs]
    unique = [f for i, f in enumerate(folders) if f.is_dir() and f not in folders[:i]]
    return [str(compiler), str(source), f"-o{out_dir / (path.stem + '.smx')}", *(f"-i{f}" for f in unique)]


def _read_all(process: subprocess.Popen[bytes], chunks: list[bytes]) -> None:
    stream = process.stdout
    assert stream is not None
    for chunk in iter(lambda: os.read(stream.fileno(), 65536), b""):
        chunks.append(chunk)
    stream.close()


def _wait_exit(process: subprocess.Popen[bytes], remaining: float) -> str:
    """The output ended: wait for the exit (a compiler that closed its output and goes on
    running is stopped at the timeout)."""
    try:
        process.wait(timeout=max(remaining, 0.01))
        return ""
    except subprocess.TimeoutExpired:
        _kill(process)
        return "timeout"


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        if sys.platform != "win32":
            os.killpg(process.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows
            process.kill()
    except (ProcessLookupError, PermissionError):
        pass


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _user_path(printed: str, cwd: Path, source: Path, path: Path) -> str:
    """The user's path for a path the compiler printed: relative ones against its working
    folder; the temp copy of an unsaved buffer is the real file; no path (a message without a
    location, `error 417` for an empty file) is the file compiled."""
    if not printed:
        return str(path)
    candidate = Path(printed) if Path(printed).is_absolute() else cwd / printed
    if os.path.normcase(os.path.realpath(candidate)) == os.path.normcase(os.path.realpath(source)):
        return str(path)
    return os.path.normpath(candidate)
