"""The on-disk cache of what include files declare: one JSON file per include, valid while the
include's mtime and size are unchanged. A cache file that cannot be read is ignored (and
rewritten by the next store)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

from spcopilot.diagnostics.include_symbols import FileSymbols, IncludeRef, Symbol

log = logging.getLogger(__name__)
# Bump when the Symbol layout or what the extractor finds changes.
CACHE_FORMAT = 2


def default_cache_root() -> Path:
    """$SPCOPILOT_CACHE_DIR, else $XDG_CACHE_HOME/spcopilot, else ~/.cache/spcopilot."""
    explicit = os.environ.get("SPCOPILOT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "spcopilot"


class SymbolCache:
    def __init__(self, root: Path | None = None) -> None:
        self.folder = (root if root is not None else default_cache_root()) / "index"

    def _file_for(self, path: Path) -> Path:
        digest = hashlib.sha1(str(path).encode("utf-8", "surrogateescape")).hexdigest()
        return self.folder / f"{digest[:2]}" / f"{digest}.json"

    def load(self, path: Path, mtime_ns: int, size: int) -> FileSymbols | None:
        cache_file = self._file_for(path)
        try:
            data = json.loads(cache_file.read_text("utf-8"))
            if (data["format"], data["path"], data["mtime_ns"], data["size"]) != (
                CACHE_FORMAT,
                str(path),
                mtime_ns,
                size,
            ):
                return None
            symbols = tuple(Symbol.from_json(row, str(path)) for row in data["symbols"])
            includes = tuple(
                IncludeRef(name, bool(system), bool(optional)) for name, system, optional in data["includes"]
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.debug("ignoring unreadable include cache %s: %s", cache_file, error)
            return None
        return FileSymbols(symbols, includes)

    def store(self, path: Path, mtime_ns: int, size: int, found: FileSymbols) -> None:
        cache_file = self._file_for(path)
        data = {
            "format": CACHE_FORMAT,
            "path": str(path),
            "mtime_ns": mtime_ns,
            "size": size,
            "symbols": [s.to_json() for s in found.symbols],
            "includes": [[i.name, i.system, i.optional] for i in found.includes],
        }
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            partial = cache_file.with_name(f"{cache_file.name}.{os.getpid()}.tmp")
            partial.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
            partial.replace(cache_file)
        except OSError as error:  # a read-only cache folder only costs speed
            log.debug("cannot write include cache %s: %s", cache_file, error)
