"""Progress of a batch on stderr: a rich bar on a terminal, one line per prompt otherwise (logs)."""

from __future__ import annotations

import sys
from typing import Any


class BatchProgress:
    def __init__(self, total: int, enabled: bool = True) -> None:
        self.total = total
        self.done = 0
        self._bar: Any = None
        self._task: Any = None
        self._lines = enabled and not sys.stderr.isatty()
        if enabled and sys.stderr.isatty() and total:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(
                TextColumn("generating"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.description}"),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task("", total=total)

    def advance(self, item_id: str, summary: str) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done, description=item_id)
        elif self._lines:
            print(f"[{self.done}/{self.total}] {item_id}: {summary}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
