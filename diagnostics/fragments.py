"""Multi-file plugins: `foo.sp` often `#include "foo/events.sp"`, and those part files use
what the main file (or a sibling part) defines. A part file is linted in the context of the
plugin that includes it, so names defined there are not reported as missing."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from spcopilot.diagnostics.include_index import INCLUDE_LINE, include_candidates


@dataclass(slots=True)
class _Listing:
    stamp: tuple[float, ...]
    # What each .sp in the folder includes, as absolute normalised paths -> the includers.
    included_by: dict[str, list[Path]] = field(default_factory=dict)


class FragmentParents:
    """Finds the `.sp` files in a part file's folder and the folder above that include it
    (cached per folder by the files' modification times)."""

    def __init__(self) -> None:
        self._folders: dict[Path, _Listing] = {}

    def _listing(self, folder: Path) -> _Listing:
        try:
            files = sorted(p for p in folder.iterdir() if p.suffix == ".sp" and p.is_file())
            stamp = tuple(p.stat().st_mtime for p in files)
        except OSError:
            return _Listing(())
        cached = self._folders.get(folder)
        if cached is not None and cached.stamp == stamp:
            return cached
        listing = _Listing(stamp)
        names_in: dict[Path, frozenset[str]] = {}  # a folder's entries, listed once per build

        def exists(candidate: Path) -> bool:
            if candidate.parent not in names_in:
                try:
                    names_in[candidate.parent] = frozenset(os.listdir(candidate.parent))
                except OSError:
                    names_in[candidate.parent] = frozenset()
            return candidate.name in names_in[candidate.parent] and candidate.is_file()

        for p in files:
            try:
                data = p.read_bytes()
            except OSError:
                continue
            if b"include" not in data:
                continue
            for m in INCLUDE_LINE.finditer(data):
                name = m.group(3).decode("utf-8", "replace")
                # Where the compiler would look next to the plugin (the include folders are
                # not part files); the first candidate that exists is the one it takes.
                for candidate in include_candidates(name, m.group(2) == b"<", p.parent, p.parent, ()):
                    if exists(candidate):
                        listing.included_by.setdefault(os.path.normpath(candidate), []).append(p)
                        break
        self._folders[folder] = listing
        return listing

    def parents_of(self, path: Path) -> list[Path]:
        key = os.path.normpath(os.path.abspath(path))
        folder = Path(key).parent
        found: list[Path] = []
        for listing in (self._listing(folder), self._listing(folder.parent)):
            found += [p for p in listing.included_by.get(key, ()) if p not in found and str(p) != key]
        return found
