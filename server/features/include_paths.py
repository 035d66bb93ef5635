"""Completion of include paths: after `#include <` the include folders' `.inc` files (written
without the extension, as the compiler finds them) and subfolders; after `#include "` the
`.sp`/`.inc` files and folders next to the file. A `/` in what is typed descends into that
folder."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from spcopilot.diagnostics.sources import SOURCE_SUFFIXES
from spcopilot.server.features.completion_items import Candidate

_INCLUDE_HEAD = re.compile(rb'^[ \t]*#[ \t]*(?:try)?include[ \t]*([<"])([^>"\r\n]*)$')
_MAX_ITEMS = 500


def include_context(source: bytes, offset: int) -> tuple[bool, str, int] | None:
    """(system, typed path, where the typed path starts) when the cursor is in an include's path."""
    line_start = source.rfind(b"\n", 0, offset) + 1
    m = _INCLUDE_HEAD.match(source[line_start:offset])
    if m is None:
        return None
    return m.group(1) == b"<", m.group(2).decode("utf-8", "replace"), line_start + m.start(2)


def include_paths(source: bytes, offset: int, path: str, include_dirs: Sequence[Path]) -> list[Candidate] | None:
    """The candidates, or None when the cursor is not in an include path."""
    found = include_context(source, offset)
    if found is None:
        return None
    system, typed, typed_start = found
    folder_part, _, _ = typed.rpartition("/")
    replace_start = typed_start + len(typed.encode()) - len(typed.rpartition("/")[2].encode())
    end = offset
    while end < len(source) and source[end : end + 1] not in (b'"', b">", b"\n", b"\r"):
        end += 1
    here = [Path(path).parent] if path and os.path.isabs(path) else []
    roots = list(include_dirs) if system else here
    me = os.path.realpath(path) if path else ""
    out: list[Candidate] = []
    seen: set[str] = set()
    for root in roots:
        folder = root / folder_part if folder_part else root
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name.startswith(".") or name in seen:
                continue
            if entry.is_dir():
                seen.add(name)
                out.append(
                    Candidate(
                        name,
                        "folder",
                        detail="folder",
                        insert_text=name + "/",
                        replace=(replace_start, end),
                        sort_text="1" + name,
                    )
                )
            elif name.endswith(SOURCE_SUFFIXES) and os.path.realpath(entry.path) != me:
                shown = name.removesuffix(".inc") if system else name
                if shown in seen:
                    continue
                seen.add(shown)
                out.append(
                    Candidate(
                        shown,
                        "file",
                        detail=str(Path(entry.path)),
                        insert_text=shown,
                        replace=(replace_start, end),
                        sort_text="0" + shown,
                    )
                )
            if len(out) >= _MAX_ITEMS:
                return out
    return out
