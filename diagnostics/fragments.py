"""Multi-file plugins: `foo.sp` often `#include "foo/events.sp"`, and those part files use
what the main file (or a sibling part) defines. A part file is linted in the context of the
plugin that includes it, so names defined there are not reported as missing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_INCLUDE = re.compile(rb'^[ \t]*#[ \t]*(?:try)?include[ \t]*[<"]([^>"\r\n]+)[>"]', re.MULTILINE)


@dataclass(slots=True)
class _Listing:
    stamp: tuple[float, ...]
    includes: dict[Path, list[str]] = field(default_factory=dict)


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
        for p in files:
            try:
                data = p.read_bytes()
            except OSError:
                continue
            if b"include" in data:
                listing.includes[p] = [m.group(1).decode("utf-8", "replace") for m in _INCLUDE.finditer(data)]
        self._folders[folder] = listing
        return listing

    def parents_of(self, path: Path) -> list[Path]:
        path = path.resolve()
        found = []
        for folder in (path.parent, path.parent.parent):
            for candidate, includes in self._listing(folder).includes.items():
                if candidate == path:
                    continue
                for inc in includes:
                    target = (candidate.parent / inc).resolve()
                    if target == path or (not inc.endswith((".sp", ".inc")) and target.with_suffix(".sp") == path):
                        found.append(candidate)
                        break
        return found
