"""Per-item work of the data commands on every core, resumable, with progress.

`data prepare` and `data dpo` are a few stages of independent per-file work (read and judge a
file, sanitise it, write its examples, mutate it) between cheap whole-corpus steps (dedup, the
split, selection). Each per-file stage runs here:

- on `jobs` worker processes (`-j`; the biggest items first, so one large plugin does not leave
  the last worker busy alone); `jobs=1` runs in this process;
- each result is appended to the stage's journal (`WORKDIR/<stage>.jsonl`, one JSON line per
  item, keyed by what the result depends on) as soon as it arrives, so an interrupted run (Ctrl-C,
  a crash, a full disk) loses at most the items in flight: the next run with the same inputs
  reads the journal and only does the rest;
- a progress bar on a terminal, otherwise one line when a stage starts and one when it ends;
- an exception in the work for one item does not stop the stage: the item's result is
  `{"error": "..."}` and the caller drops it with that reason.

Results stay on disk: `Journal.get(key)` reads one back by its offset, so a large corpus is
streamed from the journal to the output files rather than held in memory.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

Work = Callable[[Any], dict[str, Any]]


@dataclass(slots=True)
class Task:
    key: str  # what the result depends on (a hash of the input and the options that matter)
    payload: Any  # what the worker function receives
    size: int = 0  # for scheduling: biggest first


@dataclass(slots=True)
class StageReport:
    name: str
    items: int = 0
    resumed: int = 0  # results read back from the journal of an earlier, interrupted run
    errors: int = 0
    seconds: float = 0.0
    jobs: int = 1


class Journal:
    """A stage's results on disk: one JSON line `{"key": ..., "result": ...}` per item.

    A line cut short by an interruption is dropped when the journal is opened again (the file is
    truncated back to the last complete line)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.offsets: dict[str, int] = {}
        self._memory: dict[str, dict[str, Any]] = {}
        self._writer: TextIO | None = None
        self._reader: Any = None
        if path is not None and path.is_file():
            self._load(path)

    def _load(self, path: Path) -> None:
        good = 0
        with path.open("rb") as handle:
            while True:
                start = handle.tell()
                line = handle.readline()
                if not line:
                    break
                if not line.endswith(b"\n"):
                    break
                try:
                    key = json.loads(line)["key"]
                except (ValueError, KeyError, TypeError):
                    break
                self.offsets[key] = start
                good = handle.tell()
        if good != path.stat().st_size:
            with path.open("r+b") as handle:
                handle.truncate(good)

    def __contains__(self, key: str) -> bool:
        return key in self.offsets or key in self._memory

    def add(self, key: str, result: dict[str, Any]) -> None:
        if self.path is None:
            self._memory[key] = result
            return
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = self.path.open("a", encoding="utf-8", newline="\n")
        self.offsets[key] = self._writer.tell()
        self._writer.write(json.dumps({"key": key, "result": result}, ensure_ascii=False) + "\n")
        self._writer.flush()

    def get(self, key: str) -> dict[str, Any]:
        if key in self._memory:
            return self._memory[key]
        if self._writer is not None:
            self._writer.flush()
        if self._reader is None:
            assert self.path is not None
            self._reader = self.path.open("rb")
        self._reader.seek(self.offsets[key])
        result: dict[str, Any] = json.loads(self._reader.readline())["result"]
        return result

    def close(self) -> None:
        for handle in (self._writer, self._reader):
            if handle is not None:
                handle.close()
        self._writer = self._reader = None


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool


def _guarded(work: Work, task: tuple[str, Any]) -> tuple[str, dict[str, Any]]:
    key, payload = task
    try:
        return key, work(payload)
    except Exception as exc:  # one bad item must not stop the stage: it is dropped with the reason
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return key, {"error": f"{type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno})"}


@dataclass(slots=True)
class Progress:
    """A bar on a terminal; otherwise a line when a stage starts and one when it ends."""

    enabled: bool = True
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    prefix: str = ""

    @property
    def bar(self) -> bool:
        return self.enabled and self.stream.isatty()

    def line(self, text: str) -> None:
        if self.enabled:
            print(f"{self.prefix}{text}", file=self.stream, flush=True)


def default_jobs(requested: int | None) -> int:
    """`-j N`; without it, every core this process may use."""
    if requested is not None:
        return max(1, requested)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def run_stage(
    name: str,
    tasks: Sequence[Task],
    work: Work,
    journal: Journal,
    jobs: int,
    progress: Progress,
) -> StageReport:
    """Run `work` on every task not already in `journal`; results go to the journal."""
    report = StageReport(name, items=len(tasks))
    todo = [t for t in tasks if t.key not in journal]
    report.resumed = len(tasks) - len(todo)
    jobs = max(1, min(jobs, len(todo)))
    report.jobs = jobs
    started = time.monotonic()
    resumed = f", {report.resumed} from an interrupted run" if report.resumed else ""
    if not progress.bar:
        progress.line(f"{name}: {len(tasks)} items on {jobs} process{'es' if jobs > 1 else ''}{resumed}…")
    with _bar(progress, name, len(tasks), report.resumed) as advance:
        for key, result in _results(work, todo, jobs):
            journal.add(key, result)
            report.errors += "error" in result
            advance()
    report.seconds = time.monotonic() - started
    if not progress.bar:
        errors = f", {report.errors} failed" if report.errors else ""
        progress.line(f"{name}: done in {report.seconds:.1f} s{errors}")
    return report


def _results(work: Work, todo: list[Task], jobs: int) -> Iterator[tuple[str, dict[str, Any]]]:
    ordered = sorted(todo, key=lambda t: -t.size)
    if jobs <= 1:
        for t in ordered:
            yield _guarded(work, (t.key, t.payload))
        return
    import functools
    import multiprocessing

    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    pool = context.Pool(jobs, initializer=_ignore_interrupts)
    try:
        yield from pool.imap_unordered(functools.partial(_guarded, work), ((t.key, t.payload) for t in ordered))
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


class _bar:
    def __init__(self, progress: Progress, name: str, total: int, done: int) -> None:
        self.progress, self.name, self.total, self.done = progress, name, total, done
        self._rich: Any = None

    def __enter__(self) -> Callable[[], None]:
        if not self.progress.bar:
            return lambda: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._rich = Progress(
            TextColumn(f"{self.progress.prefix}{self.name}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(file=self.progress.stream),
            transient=False,
        )
        self._rich.start()
        task = self._rich.add_task(self.name, total=self.total, completed=self.done)
        return lambda: self._rich.advance(task)

    def __exit__(self, *exc: object) -> None:
        if self._rich is not None:
            self._rich.stop()
