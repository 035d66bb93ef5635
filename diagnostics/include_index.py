"""The include index: which files a plugin's `#include`s reach, and what they declare.

`IncludeIndex(dirs).scope(path, includes)` answers the engine's questions (is this name
defined? which includes could not be found?) on every lint, so a repeated call with nothing
changed costs only `stat` calls: the closure of includes is cached together with the
modification stamps of every file it read and every folder it searched. Each file's
symbols are cached in memory and on disk (see `include_cache.py`).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from spcopilot.diagnostics.include_cache import SymbolCache
from spcopilot.diagnostics.include_symbols import (
    FileSymbols,
    IncludeRef,
    Symbol,
    read_declarations,
    symbols_of_source,
)

__all__ = ["IncludeIndex", "IncludeRef", "Scope", "Symbol", "find_include_dirs", "symbols_of_source"]
log = logging.getLogger(__name__)

Stamp = tuple[int, int] | None  # (mtime_ns, size) of a file or folder; None when missing
# What the compiler appends to an include's name when the name as written is not a file
# (sourcepawn's compiler/lexer.cpp, Lexer::OpenFile).
COMPILER_SUFFIXES = ("", ".inc", ".p", ".pawn")
_MAX_CLOSURES = 256
# An `#include`/`#tryinclude` line, read without parsing: (try)?, the bracket, the name.
INCLUDE_LINE = re.compile(rb'^[ \t]*#[ \t]*(try)?include[ \t]*([<"])([^>"\r\n]+)[>"]', re.MULTILINE)


class IncludeLike(Protocol):
    """An `#include` as the file model (semantics.Include) or the index (IncludeRef) holds it."""

    name: str
    system: bool


def include_candidates(
    name: str, system: bool, origin: Path | None, active: Path | None, include_dirs: Sequence[Path]
) -> Iterator[Path]:
    """Where the compiler looks for an `#include`, in its order (Lexer::PlungeFile): a quoted
    name first in the folder the compiler runs in (`active`: we take the plugin's own folder,
    where spcomp is run from), then next to the including file (`origin`); then, `<name>` and
    quoted alike, in each include folder. In each place the name as written, then with `.inc`,
    `.p` and `.pawn` appended."""
    name = name.replace("\\", "/")
    if not usable_include_name(name):
        return  # empty, absolute, control characters, too long: unresolved, never an OSError
    folders: list[Path] = []
    if not system:
        folders += [f for f in (active, origin) if f is not None and f not in folders]
    folders += [d for d in include_dirs if d not in folders]
    for folder in folders:
        for suffix in COMPILER_SUFFIXES:
            yield folder / (name + suffix)


def find_include_dirs(path: Path | str | None, configured: Sequence[Path | str] = ()) -> list[Path]:
    """Configured folders first, then the ones a SourceMod layout implies: `include/` next to
    the file and `scripting/include` among its ancestors. Existing folders only, no repeats."""
    candidates = [Path(d).expanduser() for d in configured]
    if path is not None:
        here = Path(path).absolute()
        folder = here if here.is_dir() else here.parent
        candidates.append(folder / "include")
        for ancestor in (folder, *folder.parents):
            if ancestor.name == "scripting":
                candidates.append(ancestor / "include")
            candidates.append(ancestor / "scripting" / "include")
    found: list[Path] = []
    for candidate in candidates:
        if candidate.is_dir():
            real = candidate.resolve()
            if real not in found:
                found.append(real)
    return found


class SymbolTable:
    """Symbols by name, and members by the methodmap / enum struct they belong to."""

    def __init__(self, symbols: Iterable[Symbol] = ()) -> None:
        self.by_name: dict[str, list[Symbol]] = {}
        self.by_parent: dict[str, list[Symbol]] = {}
        self.global_names: set[str] = set()
        self.add(symbols)

    def add(self, symbols: Iterable[Symbol]) -> None:
        for symbol in symbols:
            self.by_name.setdefault(symbol.name, []).append(symbol)
            if symbol.is_member:
                self.by_parent.setdefault(symbol.parent, []).append(symbol)
            else:
                self.global_names.add(symbol.name)

    def members(self, type_name: str) -> list[Symbol]:
        """Members of a methodmap or enum struct, then those inherited (`methodmap X < Y`);
        a member redefined lower down hides the inherited one."""
        out: list[Symbol] = []
        names: set[str] = set()
        seen: set[str] = set()
        current = type_name
        while current and current not in seen:
            seen.add(current)
            for member in self.by_parent.get(current, ()):
                if member.name not in names or member.kind == "constructor":
                    out.append(member)
            names |= {m.name for m in self.by_parent.get(current, ())}
            current = next(
                (s.inherits for s in self.by_name.get(current, ()) if s.kind == "methodmap" and s.inherits),
                "",
            )
        return out


@dataclass(slots=True)
class Scope:
    """What a file's includes (transitively) declare."""

    files: list[Path] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)  # includes not found (#tryinclude excepted)
    table: SymbolTable = field(default_factory=SymbolTable)

    @property
    def symbols(self) -> dict[str, list[Symbol]]:
        return self.table.by_name

    def defines(self, name: str) -> bool:
        return name in self.table.global_names

    def declarations(self, name: str) -> list[Symbol]:
        return self.table.by_name.get(name, [])

    def members(self, type_name: str) -> list[Symbol]:
        return self.table.members(type_name)


@dataclass(slots=True)
class _FileEntry:
    stamp: Stamp
    found: FileSymbols | None  # None: the file could not be read


@dataclass(slots=True)
class _Closure:
    scope: Scope
    watched: dict[Path, Stamp]  # every file read and folder searched, with its stamp


# Longest include name we try to open, and longest part of it (Linux's PATH_MAX and NAME_MAX).
_MAX_NAME, _MAX_PART = 4096, 255


def usable_include_name(name: str) -> bool:
    """Could an `#include` name be a file to look for? Not when empty, absolute (a plugin's includes
    are found in its include folders or next to it), too long for a path, or holding NUL or other
    control characters: such an include is unresolved, never an OSError."""
    if not name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return False
    if any(c < " " or c == "\x7f" for c in name):
        return False
    encoded = name.encode("utf-8", "surrogateescape")
    return len(encoded) <= _MAX_NAME and all(len(part) <= _MAX_PART for part in encoded.split(b"/"))


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


# Includes looked for in one scope (transitively); the ones past it are unresolved, as if missing,
# so the rules say a name may come from them. SourceMod's own closure is ~200, the most in one
# file of the corpus's 1,241 is 33; a pasted or generated file of 30,000 includes took seconds,
# and a references request on another document waited for it (bench/fuzz_lsp.py).
MAX_LOOKED_FOR = 1024
# Lookups in one folder, within one scope's resolution, after which the folder is listed once
# instead (see _Lookups).
LISTING_AFTER = 16


class _Lookups:
    """Whether include candidates are files, for one scope's resolution: a stat each, and past
    LISTING_AFTER lookups in one folder one listing of it. A document of thousands of includes
    (a paste, or generated code) made thousands of stats, and each stat hands the interpreter
    lock away and takes it back: the language server's other threads, its message loop
    included, waited behind them for 30-80 ms at a time (bench/fuzz_lsp.py, threads sampled while
    a request was late). A listed name that matches only when case is ignored (a case-insensitive
    file system) is asked of the file system as before."""

    __slots__ = ("_counts", "_listed")

    def __init__(self) -> None:
        self._counts: dict[Path, int] = {}
        self._listed: dict[Path, tuple[frozenset[str], frozenset[str]]] = {}

    def is_file(self, path: Path) -> bool:
        folder = path.parent
        listed = self._listed.get(folder)
        if listed is None:
            count = self._counts[folder] = self._counts.get(folder, 0) + 1
            if count <= LISTING_AFTER:
                return _is_file(path)
            listed = self._listed[folder] = _file_names(folder)
        names, folded = listed
        if path.name in names:
            return True
        return path.name.casefold() in folded and _is_file(path)


def _file_names(folder: Path) -> tuple[frozenset[str], frozenset[str]]:
    """The names of the files in `folder` (symlinks to files too), as they are and casefolded."""
    try:
        with os.scandir(folder) as entries:
            names = frozenset(entry.name for entry in entries if _entry_is_file(entry))
    except (OSError, ValueError):
        names = frozenset()
    return names, frozenset(name.casefold() for name in names)


def _entry_is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def stamp_of(path: Path) -> Stamp:
    try:
        st = os.stat(path)
    except (OSError, ValueError):  # ValueError: a NUL in the name
        return None
    return (st.st_mtime_ns, st.st_size)


class IncludeIndex:
    def __init__(self, include_dirs: Sequence[Path], cache_dir: Path | None = None) -> None:
        self.include_dirs = [Path(d).absolute() for d in include_dirs]
        self.cache = SymbolCache(cache_dir)
        self._files: dict[Path, _FileEntry] = {}
        self._closures: dict[tuple[Path | None, tuple[IncludeRef, ...]], _Closure] = {}
        self._lock = threading.Lock()
        self._table: SymbolTable | None = None  # over every file read so far
        self._indexed_all = False

    # -- one file ----------------------------------------------------------------------------
    symbols_of_source = staticmethod(symbols_of_source)  # an open document, from memory

    def symbols_in(self, path: Path | str) -> list[Symbol]:
        """What one include file declares ([] if it cannot be read)."""
        entry = self._load(Path(path).absolute())
        return list(entry.found.symbols) if entry.found is not None else []

    def _load(self, path: Path) -> _FileEntry:
        stamp = stamp_of(path)
        entry = self._files.get(path)
        if entry is not None and entry.stamp == stamp:
            return entry
        found = None
        if stamp is not None:
            found = self.cache.load(path, *stamp)
            if found is None:
                found = self._read(path, stamp)
        entry = self._files[path] = _FileEntry(stamp, found)
        self._table = None
        return entry

    def _read(self, path: Path, stamp: tuple[int, int]) -> FileSymbols | None:
        try:
            data = path.read_bytes()
        except OSError as error:
            log.warning("skipping include %s: %s", path, error.strerror or error)
            return None
        found = read_declarations(data, str(path))
        self.cache.store(path, *stamp, found)
        return found

    def invalidate(self, path: Path | str) -> None:
        """Forget what we know of a file (the editor saw it change)."""
        target = Path(path).absolute()
        real = os.path.realpath(target)
        with self._lock:
            for known in [p for p in self._files if p == target or os.path.realpath(p) == real]:
                del self._files[known]
            self._closures.clear()
            self._table = None
            self._indexed_all = False  # new files may have appeared too

    # -- resolution and scopes ---------------------------------------------------------------
    def resolve(self, include: IncludeLike, from_file: Path | None, plugin: Path | None = None) -> Path | None:
        """The file an `#include` in `from_file` names, as the compiler finds it (see
        include_candidates); `plugin` is the file being compiled (`from_file` by default)."""
        origin = Path(from_file).absolute().parent if from_file is not None else None
        active = Path(plugin).absolute().parent if plugin is not None else origin
        return self._resolve(include, origin, {}, _Lookups(), active)

    def _resolve(
        self,
        include: IncludeLike,
        origin: Path | None,
        watched: dict[Path, Stamp],
        lookups: _Lookups,
        active: Path | None = None,
    ) -> Path | None:
        for path in include_candidates(include.name, include.system, origin, active or origin, self.include_dirs):
            if path.parent not in watched:
                watched[path.parent] = stamp_of(path.parent)
            if watched[path.parent] is not None and lookups.is_file(path):
                return path
        return None

    def scope(self, path: Path | str | None, includes: Sequence[IncludeLike]) -> Scope:
        """Everything the includes reach, transitively. Cached per (folder, includes) and
        revalidated with one stat per file and folder involved."""
        origin = Path(path).absolute().parent if path else None
        refs = tuple(
            IncludeRef(i.name.replace("\\", "/"), i.system, bool(getattr(i, "optional", False))) for i in includes
        )
        key = (origin, refs)
        closure = self._closures.get(key)
        if closure is not None and all(stamp_of(p) == s for p, s in closure.watched.items()):
            return closure.scope
        closure = self._build(origin, refs)
        with self._lock:
            self._closures.pop(key, None)
            if len(self._closures) >= _MAX_CLOSURES:
                self._closures.pop(next(iter(self._closures)))
            self._closures[key] = closure
        return closure.scope

    def _build(self, origin: Path | None, refs: tuple[IncludeRef, ...]) -> _Closure:
        scope = Scope()
        watched: dict[Path, Stamp] = {}
        seen: set[str] = set()
        missing: set[str] = set()  # scope.unresolved as a set (thousands of includes: no n² scan)
        symbols: list[Symbol] = []
        lookups = _Lookups()
        queue = deque((ref, origin) for ref in refs)
        looked_for = 0
        while queue:
            ref, folder = queue.popleft()
            looked_for += 1
            found = self._resolve(ref, folder, watched, lookups, origin) if looked_for <= MAX_LOOKED_FOR else None
            if found is None:
                if not ref.optional and ref.name not in missing:
                    missing.add(ref.name)
                    scope.unresolved.append(ref.name)
                continue
            real = os.path.realpath(found)
            if real in seen:
                continue
            seen.add(real)
            entry = self._load(found)
            watched[found] = entry.stamp
            if entry.found is None:
                if not ref.optional:
                    scope.unresolved.append(ref.name)
                continue
            scope.files.append(found)
            symbols += entry.found.symbols
            queue.extend((nested, found.parent) for nested in entry.found.includes)
        scope.table.add(symbols)
        return _Closure(scope, watched)

    # -- everything under the include folders ------------------------------------------------
    def include_files(self) -> list[Path]:
        """Every .inc under the include folders (symlinked folders followed once)."""
        files: list[Path] = []
        visited: set[str] = set()
        for top in self.include_dirs:
            for folder, subfolders, names in os.walk(top, followlinks=True):
                real = os.path.realpath(folder)
                if real in visited:
                    subfolders[:] = []
                    continue
                visited.add(real)
                subfolders.sort()
                files += [Path(folder, n) for n in sorted(names) if n.endswith(".inc")]
        return files

    def index_all(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Read every include file (from the caches when unchanged); returns how many."""
        files = self.include_files()
        for done, path in enumerate(files, 1):
            self._load(path.absolute())
            if progress is not None:
                progress(done, len(files))
        self._indexed_all = True
        return len(files)

    def _everything(self) -> SymbolTable:
        if not self._indexed_all:
            self.index_all()
        table = self._table
        if table is None:
            table = SymbolTable(s for e in list(self._files.values()) if e.found for s in e.found.symbols)
            self._table = table
        return table

    def lookup(self, name: str) -> list[Symbol]:
        """Every declaration of a name in any include file (indexes them all on first use)."""
        return list(self._everything().by_name.get(name, ()))

    def all_symbols(self) -> list[Symbol]:
        """Every symbol of every include file (indexes them all on first use)."""
        return [s for symbols in self._everything().by_name.values() for s in symbols]

    def members(self, type_name: str) -> list[Symbol]:
        """A methodmap's (or enum struct's) members, inherited ones included."""
        return self._everything().members(type_name)
