"""`spcopilot check` without the command line: find files, lint them in worker processes, apply
fixes. Plain results; formatting lives in report.py.

Each file is checked in a child process (diagnostics.supervised) with a time limit
(`file_timeout`, `--file-timeout`, in seconds of CPU time, so a busy machine does not trip it; and
WALL_FACTOR times that of wall time for a worker that waits without computing): a file that takes
longer, or whose worker dies (a crash in the grammar's C code), becomes an error result naming it,
the worker is replaced, and the run goes on.
Ctrl-C stops the run: the workers ignore SIGINT and are killed by the parent."""

from __future__ import annotations

import difflib
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

from spcopilot.diagnostics.add_ignore import add_ignores
from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.engine import lint_config
from spcopilot.diagnostics.errors import InputError, SpcopilotError
from spcopilot.diagnostics.fixes import fix_until_stable
from spcopilot.diagnostics.linter import Linter, is_config_file
from spcopilot.diagnostics.model import Diagnostic
from spcopilot.diagnostics.sources import SourceFile, read_source
from spcopilot.diagnostics.supervised import OK, TIMEOUT, Outcome, Worker

# Below this many files one worker is faster than starting several.
PARALLEL_THRESHOLD = 24
# Seconds one file may take (lint and fixes) before its worker is stopped: linting runs at
# ~140,000 lines/s, so this is hundreds of times what the largest real plugin needs.
DEFAULT_FILE_TIMEOUT = 60.0
WALL_FACTOR = 10


@dataclass(slots=True)
class FileResult:
    path: Path
    diagnostics: list[Diagnostic] = field(default_factory=list)
    error: str = ""  # could not be read: an I/O error (exit code 2)
    skipped: str = ""  # not SourcePawn (binary): said, but not an error
    note: str = ""  # e.g. decoded with replacement characters
    fixed: int = 0  # fixes applied (--fix) or that would be (--diff)
    diff: str = ""
    ignores_added: int = 0  # lines given a suppression comment (--add-ignore)


def collect_files(paths: Sequence[Path]) -> tuple[list[Path], list[FileResult]]:
    """`.sp` files under directories (symlinks followed, loops cut), files named explicitly
    whatever their suffix. Returns the files and the paths that could not be used."""
    files: list[Path] = []
    problems: list[FileResult] = []
    seen_dirs: set[Path] = set()
    seen_files: set[Path] = set()

    def add(p: Path) -> None:
        key = p.resolve()
        if key not in seen_files:
            seen_files.add(key)
            files.append(p)

    for root in paths:
        if root.is_file():
            add(root)
        elif root.is_dir():

            def unreadable(error: OSError, root: Path = root) -> None:
                where = error.filename or root
                problems.append(FileResult(Path(where), error=f"{where}: cannot read directory ({error.strerror})"))

            for folder, dirs, names in os.walk(root, followlinks=True, onerror=unreadable):
                real = Path(folder).resolve()
                if real in seen_dirs:
                    dirs[:] = []  # a symlink loop or a folder reached twice
                    continue
                seen_dirs.add(real)
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if name.endswith(".sp"):
                        add(Path(folder) / name)
        elif root.exists():
            problems.append(FileResult(root, error=f"{root}: not a regular file or directory"))
        else:
            problems.append(FileResult(root, error=f"{root}: no such file or directory"))
    return files, problems


def check_file(
    linter: Linter, path: Path, fix: bool = False, diff: bool = False, unsafe: bool = False, add_ignore: bool = False
) -> FileResult:
    try:
        source = read_source(path)
    except InputError as exc:
        message = str(exc)
        if "binary file" in message:
            return FileResult(path, skipped=message)
        return FileResult(path, error=message)
    result = FileResult(path, note=source.note)

    if is_config_file(path):
        # Credentials only, and never rewritten (the fix is the user's: remove and revoke).
        return FileResult(path, diagnostics=lint_config(source.data, str(path), linter.config), note=source.note)

    def lint(data: bytes) -> list[Diagnostic]:
        return linter.lint_source(data, path)

    if add_ignore:
        return _add_ignores(path, source, result, lint)
    if (fix or diff) and not source.note:
        fixed = fix_until_stable(source.data, lint, unsafe=unsafe)
        result.fixed = len(fixed.applied)
        if fixed.applied:
            if diff:
                result.diff = unified_diff(path, source.data, fixed.source)
            else:
                _write_back(path, source.original, source.data, fixed.source)
        result.diagnostics = lint(source.data) if diff else lint(fixed.source)
    else:
        result.diagnostics = lint(source.data)
        if (fix or diff) and source.note:
            result.note += "; not fixed, because writing it back would change the undecodable bytes"
    return result


def _add_ignores(
    path: Path, source: SourceFile, result: FileResult, lint: Callable[[bytes], list[Diagnostic]]
) -> FileResult:
    """Suppress every current finding with a comment (never in a file we could not decode)."""
    result.diagnostics = lint(source.data)
    if source.note:
        result.note += "; no suppression comments added, because writing it back would change the undecodable bytes"
        return result
    added = add_ignores(source.data, result.diagnostics)
    if added.added:
        _write_back(path, source.original, source.data, added.source)
        result.ignores_added = added.added
        result.diagnostics = lint(added.source)
    if added.left:
        result.note = (
            f"{added.left} finding(s) on lines that cannot take a comment (a line continued with \\) were left"
        )
    return result


def _write_back(path: Path, original: bytes | None, data: bytes, fixed: bytes) -> None:
    """Write the fixed text, keeping a UTF-8 BOM the file had; atomically (temp file + rename)."""
    if original is not None and original.startswith(b"\xef\xbb\xbf"):
        fixed = b"\xef\xbb\xbf" + fixed
    tmp = path.with_name(f".{path.name}.spcopilot-tmp")
    try:
        tmp.write_bytes(fixed)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SpcopilotError(f"{path}: cannot write the fixed file ({exc.strerror}); nothing was changed") from None


def unified_diff(path: Path, before: bytes, after: bytes) -> str:
    a = before.decode("utf-8", "replace").splitlines(keepends=True)
    b = after.decode("utf-8", "replace").splitlines(keepends=True)
    return "".join(difflib.unified_diff(a, b, f"a/{path}", f"b/{path}"))


# -- running many files ------------------------------------------------------------------------
_worker_linter: Linter | None = None


def _init_worker(config: Config) -> None:
    global _worker_linter
    _worker_linter = Linter(config)


def _worker(args: tuple[Path, bool, bool, bool, bool]) -> FileResult:
    assert _worker_linter is not None
    return check_file(_worker_linter, *args)


def check_paths(
    paths: Sequence[Path],
    config: Config,
    fix: bool = False,
    diff: bool = False,
    unsafe: bool = False,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    file_timeout: float | None = DEFAULT_FILE_TIMEOUT,
    add_ignore: bool = False,
) -> list[FileResult]:
    """Check every file (in the order found); `file_timeout` seconds per file (None: no limit)."""
    files, problems = collect_files(paths)
    results: list[FileResult] = list(problems)
    jobs = jobs or os.cpu_count() or 1
    if len(files) < PARALLEL_THRESHOLD:
        jobs = 1
    total = len(files)
    if progress:
        progress(0, total)
    for done, result in enumerate(_run(files, config, (fix, diff, unsafe, add_ignore), jobs, file_timeout), start=1):
        results.append(result)
        if progress:
            progress(done, total)
    return results


def _run(
    files: list[Path], config: Config, options: tuple[bool, bool, bool, bool], jobs: int, timeout: float | None
) -> Iterator[FileResult]:
    """Results in the order of `files`, checked by up to `jobs` supervised workers; `options`:
    (fix, diff, unsafe, add_ignore) as check_file takes them."""
    if not files:
        return
    workers = [Worker(_worker, _init_worker, (config,)) for _ in range(min(jobs, len(files)))]
    pending = deque(enumerate(files))
    running: dict[Worker, tuple[int, Path, float]] = {}
    finished: dict[int, FileResult] = {}
    next_index = 0
    try:
        while pending or running:
            for worker in workers:
                if worker not in running and pending:
                    index, path = pending.popleft()
                    worker.submit((path, *options), timeout)
                    wall = time.monotonic() + timeout * WALL_FACTOR if timeout else float("inf")
                    running[worker] = (index, path, wall)
            soonest = min(deadline for _, _, deadline in running.values())
            ready = wait(
                [w.connection for w in running], timeout=max(0.0, soonest - time.monotonic()) if timeout else None
            )
            now = time.monotonic()
            for worker, (index, path, deadline) in list(running.items()):
                if worker.connection in ready:
                    outcome = worker.collect(0.0)
                elif now >= deadline:
                    worker.kill()
                    outcome = Outcome(TIMEOUT, detail=f"gave no answer within {(timeout or 0) * WALL_FACTOR:g} s")
                else:
                    continue
                finished[index] = _result_of(path, outcome, timeout)
                del running[worker]
            while next_index in finished:
                yield finished.pop(next_index)
                next_index += 1
    finally:
        for worker in workers:
            if running or pending:  # interrupted (Ctrl-C): stop now
                worker.kill()
            else:
                worker.close()


def _result_of(path: Path, outcome: Outcome, timeout: float | None) -> FileResult:
    if outcome.status == OK:
        result: FileResult = outcome.value
        return result
    if outcome.status == TIMEOUT:
        why = f"gave up on it: checking it {outcome.detail} (--file-timeout {timeout:g})"
    elif outcome.detail.startswith("Traceback"):
        why = "failed: " + outcome.detail.strip().splitlines()[-1]
    else:
        why = f"the worker checking it stopped ({outcome.detail})"
    return FileResult(path, error=f"{path}: {why}; this is a bug in spcopilot, please report it with the file")


def all_diagnostics(results: Iterable[FileResult]) -> list[Diagnostic]:
    return [d for r in results for d in r.diagnostics]
