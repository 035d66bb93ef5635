"""The runtime errors the editor shows: SourceMod's error logs (setting `error-logs`) followed
as they grow, each error placed on the workspace's source line it blames (diagnostics/runtime).

`poll` runs on the log watcher's thread (server/lsp/runtime_logs.py); the analysis threads ask
`diagnostics_for` while they publish a file's diagnostics. What they share is swapped whole
under a lock."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.model import Diagnostic
from spcopilot.diagnostics.parsing import parse
from spcopilot.diagnostics.runtime.placement import Blame, assign, diagnostics_for
from spcopilot.diagnostics.runtime.sources import SourceIndex
from spcopilot.diagnostics.runtime.tail import LogTail
from spcopilot.diagnostics.sources import path_key


class RuntimeLogs:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tail: LogTail | None = None
        self._roots: list[Path] = []
        self._index: SourceIndex | None = None
        self._blames: dict[str, list[Blame]] = {}  # path_key -> errors blamed on it
        self._paths: dict[str, Path] = {}
        self._cache: dict[tuple[str, str], list[Diagnostic]] = {}
        self.stamp = 0  # bumped whenever the errors change
        self.config = Config()

    @property
    def watching(self) -> list[Path]:
        tail = self._tail
        return list(tail.paths) if tail is not None else []

    def configure(self, logs: Sequence[Path], roots: Sequence[Path], config: Config) -> bool:
        """Follow these logs (none: stop); True when that changed what is followed."""
        with self._lock:
            self.config = config
            same = self._tail is not None and list(self._tail.paths) == list(logs) and self._roots == list(roots)
            if same or (self._tail is None and not logs):
                return False
            self._tail = LogTail(logs) if logs else None
            self._roots = list(roots)
            self._blames, self._paths, self._cache = {}, {}, {}
            self.stamp += 1
            return True

    def poll(self, stop: threading.Event | None = None) -> bool:
        """Read what the logs gained (on the watcher's thread); True when the errors changed."""
        tail = self._tail
        if tail is None or not tail.poll(stop):
            return False
        index = SourceIndex(self._roots)  # the workspace's files as they are now
        placed, _ = assign(tail.summary, index)
        with self._lock:
            if tail is not self._tail:
                return False  # reconfigured meanwhile
            self._index = index
            self._blames = {path_key(p): b for p, b in placed.items()}
            self._paths = {path_key(p): p for p in placed}
            self._cache = {}
            self.stamp += 1
        return True

    def files(self) -> list[Path]:
        """The files that have runtime errors on them now."""
        with self._lock:
            return list(self._paths.values())

    def diagnostics_for(self, path: str, source: bytes, tree: Any, modified: datetime | None) -> list[Diagnostic]:
        """The runtime errors on `path`, placed in its text as it is now (cached per text)."""
        key = path_key(path)
        with self._lock:
            blames, index, config = self._blames.get(key), self._index, self.config
            if not blames or index is None:
                return []
            cache_key = (key, hashlib.blake2b(source, digest_size=16).hexdigest())
            cached = self._cache.get(cache_key)
        if cached is not None:
            return cached
        if tree is None:
            tree = parse(source)
        found = diagnostics_for(Path(path), source, tree, blames, index, config, modified)
        with self._lock:
            if self._blames.get(key) is blames:
                self._cache[cache_key] = found
        return found

    def merged_into(
        self, path: str, ours: list[Diagnostic], source: bytes, tree: Any, modified: datetime | None
    ) -> list[Diagnostic]:
        found = self.diagnostics_for(path, source, tree, modified)
        if not found:
            return ours
        return sorted([*ours, *found], key=lambda d: (d.range.start.line, d.start_byte))
