"""Where a log's files are in the workspace: the stack names files as the compiler saw them
(`speed_boost.sp`, `scripting/speed_boost.sp`, `include/stocks.inc`) and the blamed plugin as
it was installed (`speed_boost.smx`, `disabled/speed_boost.smx`); both are matched by file name,
the longest matching tail of the path winning."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

SKIP_FOLDERS = frozenset({"node_modules", "compiled", "__pycache__", "build", "dist"})
MAX_FILES = 20000
SUFFIXES = (".sp", ".inc")


class SourceIndex:
    """The .sp and .inc files under the workspace roots, by lower-case file name."""

    def __init__(self, roots: Sequence[Path]) -> None:
        self.roots = [Path(r) for r in roots]
        self.by_name: dict[str, list[Path]] = {}
        count = 0
        for root in self.roots:
            if root.is_file():
                self.by_name.setdefault(root.name.lower(), []).append(root)
                continue
            for folder, dirs, names in os.walk(root):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_FOLDERS)
                for name in sorted(names):
                    if name.lower().endswith(SUFFIXES):
                        self.by_name.setdefault(name.lower(), []).append(Path(folder, name))
                        count += 1
                if count >= MAX_FILES:
                    return

    def find(self, written: str) -> list[Path]:
        """The workspace files a path from the log may mean, best match first."""
        parts = PurePosixPath(written.replace("\\", "/")).parts
        if not parts:
            return []
        candidates = self.by_name.get(parts[-1].lower(), [])
        return sorted(candidates, key=lambda p: (-_common_tail(p.parts, parts), len(p.parts), str(p)))

    def plugin_source(self, plugin: str) -> list[Path]:
        """`x.smx` (maybe in a subfolder of plugins/) -> x.sp."""
        name = PurePosixPath(plugin.replace("\\", "/")).name
        stem = name[:-4] if name.lower().endswith(".smx") else name
        return self.find(stem + ".sp")


def _common_tail(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n].lower() == b[-1 - n].lower():
        n += 1
    return n
