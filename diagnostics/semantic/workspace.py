"""The workspace index: every file's declarations and the names it uses, the program each
file sees, and references to a declaration across all of them.

Files come from three places: open documents (their current text, rebound per version with
the per-item reuse of binder.bind), the workspace's `.sp`/`.inc` files and the include files
the plugins reach (read from disk, read again when their modification stamp changes). Of a
file that is not open only a summary is kept (its declarations, includes and compact
occurrences: semantic/occurrences.py); its full model is bound again when a feature needs it
(a few are kept). A file's program (semantic/scope.py) is its own declarations, then the
other files of its plugin (a part file is seen from the plugin that includes it), then the
include closure, which the include index resolves exactly as the compiler does.

Within `batch()` (one request), each file's stamp and include closure are checked once; a
request that read many files from disk settles the heap when it ends (heap.py).

Threads: the server asks about different documents at once (one analysis thread each), also
questions about the whole workspace (references, rename), which read the other open documents as
last indexed (`open_version` tells a reader which text that was). The tables are changed under a
lock and iterated as copies;
the batch is per thread. An open document's items move (their anchors) when that document is
bound again, on its own thread: another thread reading its declarations meanwhile may see a
position of either version, never an error.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spcopilot.diagnostics.include_index import INCLUDE_LINE, IncludeIndex, stamp_of
from spcopilot.diagnostics.include_symbols import IncludeRef
from spcopilot.diagnostics.knowledge.apis import SOURCEMOD_INCLUDES
from spcopilot.diagnostics.parsing import parse
from spcopilot.diagnostics.semantic import heap
from spcopilot.diagnostics.semantic import symbols as k
from spcopilot.diagnostics.semantic.binder import FileIndex, FileSummary, IncludeDirective, bind, item_cache
from spcopilot.diagnostics.semantic.scope import Layer, Program, SemanticModel
from spcopilot.diagnostics.semantic.symbols import Decl, Ref
from tree_sitter import Tree

log = logging.getLogger(__name__)

SKIP_FOLDERS = frozenset({"node_modules", "compiled", "__pycache__", "build", "dist"})
MAX_WORKSPACE_FILES = 5000
MAX_FILE_BYTES = 4 * 1024 * 1024
FULL_MODELS_KEPT = 8
_GLOBAL_SCOPE_KINDS = frozenset({k.FUNCTION, k.STOCK, k.NATIVE, k.FORWARD, k.GLOBAL, k.DEFINE, k.MACRO})


@dataclass(frozen=True, slots=True)
class Occurrence:
    path: str
    start: int
    end: int
    is_declaration: bool
    keyword: bool = False  # `this` standing for its methodmap or enum struct (not its name)
    line: int = -1  # where it is, when known without reading the file again (-1: not known)
    column: int = -1  # bytes
    ascii: bool = False  # the file is ASCII: the byte column is the column in every encoding


class _Open:
    __slots__ = ("index", "summary", "version")

    def __init__(self, version: object, index: FileIndex) -> None:
        self.version = version
        self.index = index
        self.summary: FileSummary | None = None


class Workspace:
    """Shared by the server's analysis threads: each open document's thread updates its own
    entry, and any thread may read (writes to the shared tables hold `_lock`; an entry is
    replaced whole, never changed in place, except for its lazily made summary)."""

    def __init__(
        self,
        include_index_for: Callable[[str | None], IncludeIndex],
        root: Path | None = None,
        read_only: Callable[[str], bool] | None = None,
        spared: Callable[[str], bool] | None = None,
    ) -> None:
        self.include_index_for = include_index_for
        self.root = root
        self.read_only = read_only or (lambda path: False)
        # Files never parsed from disk (the server's quarantine: a file that took it down).
        self.spared = spared or (lambda path: False)
        self._open: dict[str, _Open] = {}
        self._disk: dict[str, tuple[object, FileSummary]] = {}
        self._full: OrderedDict[str, tuple[object, FileIndex]] = OrderedDict()
        self._layers: dict[tuple, Layer] = {}
        self._own_layers: dict[str, tuple[list[Decl], Layer]] = {}
        self._lock = threading.RLock()
        self._files: list[str] | None = None
        self._roots: dict[str, list[str]] | None = None
        self._local = threading.local()  # the current thread's batch
        self._reads = 0  # files read from disk since the heap was last settled (heap.py)

    # -- files -----------------------------------------------------------------------------
    def update(self, path: str, source: bytes, tree: Tree | None, version: object = None) -> FileIndex:
        """An open document's current text."""
        entry = self._open.get(path)
        if entry is not None and version is not None and entry.version == version:
            return entry.index
        reuse = item_cache(entry.index) if entry is not None else {}
        index = bind(tree if tree is not None else parse(source), source, path, reuse)
        with self._lock:
            if entry is None and self._files is not None and path not in self._files:
                self._files = self._roots = None  # a file the last listing did not have (a new one)
            self._open[path] = _Open(version, index)
        return index

    def close(self, path: str) -> None:
        with self._lock:
            self._open.pop(path, None)
            self._own_layers.pop(path, None)

    def open_version(self, path: str) -> tuple[bool, object]:
        """(open, the version of the text its index was bound from) for an open document:
        what a caller on another document's thread checks before trusting that index."""
        entry = self._open.get(path)
        return (False, None) if entry is None else (True, entry.version)

    def forget(self, path: str) -> None:
        """A file changed on disk (or appeared, or went)."""
        with self._lock:
            self._disk.pop(path, None)
            self._full.pop(path, None)
            self._own_layers.pop(path, None)
            self._files = None
            self._roots = None

    @property
    def _batch(self) -> dict[str, dict[Any, Any]] | None:
        return getattr(self._local, "batch", None)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """One request: each file's stamp and include closure are checked once inside it."""
        if self._batch is not None:
            yield
            return
        self._local.batch = {"stamps": {}, "closures": {}, "programs": {}, "decls": {}}
        try:
            yield
        finally:
            self._local.batch = None
            if self._reads >= heap.BULK_READ:
                self._reads = 0
                heap.settle()

    def _stamp(self, path: str) -> object:
        batch = self._batch
        if batch is None:
            return stamp_of(Path(path))
        stamps = batch["stamps"]
        if path not in stamps:
            stamps[path] = stamp_of(Path(path))
        return stamps[path]

    def summary_of(self, path: str) -> FileSummary | None:
        """A file's declarations, includes and occurrences (an open document's current ones)."""
        entry = self._open.get(path)
        if entry is not None:
            if entry.summary is None:
                entry.summary = entry.index.summary()
            return entry.summary
        stamp = self._stamp(path)
        known = self._disk.get(path)
        if known is not None and known[0] == stamp:
            return known[1]
        found = self._read(path, stamp)
        if found is None:
            with self._lock:
                self._disk.pop(path, None)
            return None
        summary = found[0].summary(found[1])
        with self._lock:
            self._disk[path] = (stamp, summary)
        return summary

    def decls_of(self, path: str) -> list[Decl]:
        """What a file declares for the rest of its program (no occurrences needed)."""
        entry = self._open.get(path)
        if entry is not None:
            return entry.index.decls
        batch = self._batch
        if batch is not None and path in batch["decls"]:
            return batch["decls"][path]
        summary = self.summary_of(path)
        found = summary.decls if summary is not None else []
        if batch is not None:
            batch["decls"][path] = found
        return found

    def includes_of(self, path: str) -> list[IncludeDirective]:
        entry = self._open.get(path)
        if entry is not None:
            return entry.index.includes
        summary = self.summary_of(path)
        return summary.includes if summary is not None else []

    def index_of(self, path: str) -> FileIndex | None:
        """A file's full index: an open document's, else bound again from disk (a few kept)."""
        entry = self._open.get(path)
        if entry is not None:
            return entry.index
        stamp = self._stamp(path)
        with self._lock:
            known = self._full.get(path)
            if known is not None and known[0] == stamp:
                self._full.move_to_end(path)
                return known[1]
        found = self._read(path, stamp)
        if found is None:
            return None
        index, data = found
        with self._lock:
            self._full[path] = (stamp, index)
            while len(self._full) > FULL_MODELS_KEPT:
                self._full.popitem(last=False)
            self._disk[path] = (stamp, index.summary(data))
        return index

    def _read(self, path: str, stamp: object) -> tuple[FileIndex, bytes] | None:
        if not isinstance(stamp, tuple) or stamp[1] > MAX_FILE_BYTES or self.spared(path):
            return None
        try:
            data = Path(path).read_bytes()
        except OSError:
            return None
        self._reads += 1
        return bind(parse(data), data, path), data

    def workspace_files(self) -> list[str]:
        """The .sp and .inc files under the workspace root."""
        if self._files is not None:
            return self._files
        found: list[str] = []
        if self.root is not None and self.root.is_dir():
            for folder, subfolders, names in os.walk(self.root):
                subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and d not in SKIP_FOLDERS)
                found += [os.path.join(folder, n) for n in sorted(names) if n.endswith((".sp", ".inc"))]
                if len(found) >= MAX_WORKSPACE_FILES:
                    break
        self._files = found[:MAX_WORKSPACE_FILES]
        return self._files

    # -- programs --------------------------------------------------------------------------
    def closure(self, path: str) -> list[str]:
        """The files `path`'s includes reach, transitively, in the compiler's order."""
        batch = self._batch
        if batch is not None and path in batch["closures"]:
            return batch["closures"][path]
        includes = self.includes_of(path)
        found: list[str] = []
        if includes:
            # Files of one folder with the same includes reach the same files (checked once).
            key = (os.path.dirname(path), tuple((i.name, i.system, i.optional) for i in includes))
            if batch is not None and key in batch["closures"]:
                found = batch["closures"][key]
            else:
                scope = self.include_index_for(path).scope(path, includes)
                found = [str(p) for p in scope.files]
                if batch is not None:
                    batch["closures"][key] = found
        if batch is not None:
            batch["closures"][path] = found
        return found

    def plugin_root(self, path: str) -> str:
        """The plugin a part file belongs to: a workspace .sp that includes it (itself if none)."""
        if self.read_only(path):
            return path
        roots = self._plugin_roots().get(os.path.realpath(path))
        return roots[0] if roots else path

    def _plugin_roots(self) -> dict[str, list[str]]:
        """Included file (real path) -> the workspace .sp files whose includes reach it."""
        roots = self._roots
        if roots is not None:
            return roots
        roots = {}
        for candidate in self.workspace_files():
            if not candidate.endswith(".sp"):
                continue
            includes = self._includes_of(candidate)
            if not includes:
                continue
            scope = self.include_index_for(candidate).scope(candidate, includes)
            for included in scope.files:
                if not self.read_only(str(included)):
                    roots.setdefault(os.path.realpath(included), []).append(candidate)
        self._roots = roots
        return roots

    def _includes_of(self, path: str) -> list[IncludeRef]:
        """A file's include lines (from its summary when we have one, else a quick scan)."""
        entry = self._open.get(path)
        known = self._disk.get(path)
        includes = entry.index.includes if entry is not None else known[1].includes if known is not None else None
        if includes is not None:
            return [IncludeRef(i.name, i.system, i.optional) for i in includes]
        try:
            data = Path(path).read_bytes()
        except OSError:
            return []
        if b"include" not in data:
            return []
        return [
            IncludeRef(m.group(3).decode("utf-8", "replace").replace("\\", "/"), m.group(2) == b"<", bool(m.group(1)))
            for m in INCLUDE_LINE.finditer(data)
        ]

    def program(self, path: str) -> Program:
        batch = self._batch
        if batch is not None and path in batch["programs"]:
            return batch["programs"][path]
        root = self.plugin_root(path)
        others = [p for p in [root, *self.closure(root)] if p != path]
        if root != path:
            others += [p for p in self.closure(path) if p not in others and p != path]
        plugin = [p for p in others if not self.read_only(p)]
        includes = [p for p in others if self.read_only(p)]
        layers = [self._own_layer(path)]
        for group in (plugin, includes):
            if group:
                layers.append(self._layer(group))
        program = Program(layers)
        if batch is not None:
            batch["programs"][path] = program
        return program

    def _own_layer(self, path: str) -> Layer:
        """A file's own declarations as a layer, kept while they are the same list."""
        decls = self.decls_of(path)
        known = self._own_layers.get(path)
        if known is not None and known[0] is decls:
            return known[1]
        layer = Layer(decls)
        with self._lock:
            self._own_layers[path] = (decls, layer)
        return layer

    def _layer(self, paths: list[str]) -> Layer:
        decls = [self.decls_of(p) for p in paths]
        key = tuple(id(d) for d in decls)
        layer = self._layers.get(key)
        if layer is None:
            layer = Layer(d for group in decls for d in group)
            with self._lock:
                if len(self._layers) > 64:
                    self._layers.clear()
                self._layers[key] = layer
        return layer

    def model(self, path: str) -> SemanticModel | None:
        index = self.index_of(path)
        if index is None:
            return None
        return SemanticModel(index, self.program(path))

    # -- references ------------------------------------------------------------------------
    def candidate_files(self) -> list[str]:
        """Open documents, the workspace's files and the includes they reach."""
        with self._lock:
            seen: dict[str, None] = dict.fromkeys(list(self._open))
        for path in self.workspace_files():
            seen.setdefault(path)
        for path in list(seen):
            for included in self.closure(path):
                seen.setdefault(included)
        return list(seen)

    def same_symbol(self, decl: Decl, found: Decl, program: Program) -> bool:
        if found.key == decl.key:
            return True
        if decl.kind == k.METHODMAP and found.kind in (k.CONSTRUCTOR, k.DESTRUCTOR) and found.parent == decl.name:
            owner = program.type_decl(found.parent)
            return owner is not None and owner.key == decl.key
        if found.name != decl.name or decl.kind not in _GLOBAL_SCOPE_KINDS or found.kind not in _GLOBAL_SCOPE_KINDS:
            return False
        # A forward/native and the function that implements it are one symbol where both are seen.
        return program.sees(decl)

    def references(self, decl: Decl, include_declaration: bool = True) -> list[Occurrence]:
        with self.batch():
            if decl.kind in k.SCOPED_KINDS:  # a local never leaves its file
                model = self.model(decl.path)
                return self._in_model(model, decl, include_declaration) if model is not None else []
            out: list[Occurrence] = []
            size = len(decl.name.encode("utf-8"))
            for path in self.candidate_files():
                summary = self.summary_of(path)
                if summary is None or decl.name not in summary.occurrences:
                    continue
                program = self.program(path)
                by_start: dict[int, Decl] | None = None  # made when the file declares the name
                for start, role, receiver, line, column in summary.occurrences.of(decl.name):
                    if role == k.DECLARATION:
                        if by_start is None:
                            by_start = {d.start: d for d in summary.decls}
                        found = by_start.get(start)
                        if found is None or not include_declaration:
                            continue
                        candidates = [found]
                    else:
                        candidates = program.resolve(decl.name, role, receiver)
                    if any(self.same_symbol(decl, d, program) for d in candidates):
                        width = 4 if role == k.THIS else size  # `this` stands for the type
                        is_decl, is_this = role == k.DECLARATION, role == k.THIS
                        where = (line, column, summary.ascii)
                        out.append(Occurrence(path, start, start + width, is_decl, is_this, *where))
            return out

    def _in_model(self, model: SemanticModel, decl: Decl, include_declaration: bool) -> list[Occurrence]:
        out = []
        for ref in self.refs_in(model, decl, keyword=True):
            is_decl = ref.role == k.DECLARATION
            if not is_decl or include_declaration:
                out.append(Occurrence(model.path, ref.start, ref.end, is_decl, ref.role == k.THIS))
        return out

    def refs_in(self, model: SemanticModel, decl: Decl, keyword: bool = False) -> list[Ref]:
        """The references to `decl` in one file (document highlight); `this` too with `keyword`."""
        return [
            r
            for r in model.refs
            if r.name == decl.name
            and (keyword or r.role != k.THIS)
            and any(self.same_symbol(decl, d, model.program) for d in model.resolve(r))
        ]


def read_only_predicate(include_dirs: Sequence[Path | str]) -> Callable[[str], bool]:
    """Files the user does not edit: anything under a configured include folder, and
    SourceMod's own include files wherever they are (`sourcemod.inc`, `sdktools_*.inc`...)."""
    folders = tuple(os.path.join(os.path.realpath(Path(d).expanduser()), "") for d in include_dirs)
    known: dict[str, bool] = {}

    def read_only(path: str) -> bool:
        found = known.get(path)
        if found is None:
            name = os.path.basename(path)
            found = name.endswith(".inc") and name[:-4] in SOURCEMOD_INCLUDES
            found = found or (bool(folders) and os.path.realpath(path).startswith(folders))
            if len(known) > 100_000:
                known.clear()
            known[path] = found
        return found

    return read_only
