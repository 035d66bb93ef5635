"""The compiler's findings the editor shows, until the files they are about change.

A compile is started by saving one file (its origin) and may report on several: the plugin, its
part files, its includes. The findings are kept per file and dropped when the origin or the
file they are on changes (their lines would no longer match); `stamp(path)` counts the changes
on each file, so pull diagnostics resend only the files whose findings changed.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

from spcopilot.diagnostics.compiler import merged
from spcopilot.diagnostics.compiler.findings import ReadText
from spcopilot.diagnostics.model import Diagnostic
from spcopilot.diagnostics.sources import path_key


class CompilerFindings:
    def __init__(self) -> None:
        self._on: dict[str, list[Diagnostic]] = {}  # file -> findings on it
        self._from: dict[str, set[str]] = {}  # origin (saved file) -> files its compile reported on
        self._lock = threading.Lock()
        self._stamps: dict[str, int] = {}  # file -> how often its findings changed

    def store(self, origin: str, by_file: Mapping[str, Sequence[Diagnostic]]) -> set[str]:
        """Replace what the last compile of `origin` found; returns the files whose shown
        findings changed (to publish again)."""
        with self._lock:
            touched = self._drop_origin(path_key(origin))
            reported = {path_key(p) for p, found in by_file.items() if found}
            for path, found in by_file.items():
                if found:
                    self._on[path_key(path)] = list(found)
            self._from[path_key(origin)] = reported
            touched |= reported
            self._bump(touched)
            return touched

    def changed(self, path: str) -> set[str]:
        """`path` was edited: drop the findings on it and those of its own last compile."""
        key = path_key(path)
        with self._lock:
            touched = self._drop_origin(key)
            if self._on.pop(key, None) is not None:
                touched.add(key)
            self._bump(touched)
            return touched

    def clear(self) -> set[str]:
        with self._lock:
            touched = set(self._on)
            self._on.clear()
            self._from.clear()
            self._bump(touched)
            return touched

    def stamp(self, path: str) -> int:
        with self._lock:
            return self._stamps.get(path_key(path), 0)

    def _bump(self, files: set[str]) -> None:
        for f in files:
            self._stamps[f] = self._stamps.get(f, 0) + 1

    def files(self) -> list[str]:
        """The files that have compiler findings now."""
        with self._lock:
            return list(self._on)

    def on(self, path: str) -> list[Diagnostic]:
        with self._lock:
            return list(self._on.get(path_key(path), ()))

    def merged_into(self, path: str, ours: list[Diagnostic], read_text: ReadText) -> list[Diagnostic]:
        found = self.on(path)
        return merged(ours, found, read_text) if found else ours

    def _drop_origin(self, origin: str) -> set[str]:
        files = self._from.pop(origin, set())
        for f in files:
            self._on.pop(f, None)
        return files
