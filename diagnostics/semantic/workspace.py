"""The workspace index: every file's declarations and references, the program each file sees,
and references to a declaration across all of them.

Files come from three places: open documents (their current text, rebound per version with
the per-item cache of semantic/items.py), the workspace's `.sp`/`.inc` files and the include
files the plugins reach (read from disk, re-read when their modification stamp changes). A
file's program (semantic/scope.py) is its own declarations, then the other files of its plugin
(a part file is seen from the plugin that includes it), then the include closure, which the
include index resolves exactly as the compiler does.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from spcopilot.diagnostics.include_index import INCLUDE_LINE, IncludeIndex, stamp_of
from spcopilot.diagnostics.include_symbols import IncludeRef
from spcopilot.diagnostics.knowledge.apis import SOURCEMOD_INCLUDES
from spcopilot.diagnostics.parsing import parse
from spcopilot.diagnostics.semantic import symbols as k
from spcopilot.diagnostics.semantic.binder import FileIndex, bind, item_cache
from spcopilot.diagnostics.semantic.scope import Layer, Program, SemanticModel
from spcopilot.diagnostics.semantic.symbols import Decl, Ref
from tree_sitter import Tree

log = logging.getLogger(__name__)

SKIP_FOLDERS = frozenset({"node_modules", "compiled", "__pycache__", "build", "dist"})
MAX_WORKSPACE_FILES = 5000
MAX_FILE_BYTES = 4 * 1024 * 1024
_GLOBAL_SCOPE_KINDS = frozenset({k.FUNCTION, k.STOCK, k.NATIVE, k.FORWARD, k.GLOBAL, k.DEFINE, k.MACRO})


@dataclass(frozen=True, slots=True)
class Occurrence:
    path: str
    start: int
    end: int
    is_declaration: bool
    keyword: bool = False  # `this` standing for its methodmap or enum struct (not its name)


class _Entry:
    __slots__ = ("index", "stamp")

    def __init__(self, stamp: object, index: FileIndex) -> None:
        self.stamp = stamp
        self.index = index


class Workspace:
    """Not thread-safe for writes: the server updates it from one thread at a time."""

    def __init__(
        self,
        include_index_for: Callable[[str | None], IncludeIndex],
        root: Path | None = None,
        read_only: Callable[[str], bool] | None = None,
    ) -> None:
        self.include_index_for = include_index_for
        self.root = root
        self.read_only = read_only or (lambda path: False)
        self._open: dict[str, _Entry] = {}
        self._disk: dict[str, _Entry] = {}
        self._layers: dict[tuple, Layer] = {}
        self._lock = threading.RLock()
        self._files: list[str] | None = None
        self._roots: dict[str, list[str]] | None = None

    # -- files -----------------------------------------------------------------------------
    def update(self, path: str, source: bytes, tree: Tree | None, version: object = None) -> FileIndex:
        """An open document's current text."""
        entry = self._open.get(path)
        if entry is not None and version is not None and entry.stamp == version:
            return entry.index
        reuse = item_cache(entry.index) if entry is not None else {}
        index = bind(tree if tree is not None else parse(source), source, path, reuse)
        self._open[path] = _Entry(version, index)
        return index

    def close(self, path: str) -> None:
        self._open.pop(path, None)

    def forget(self, path: str) -> None:
        """A file changed on disk."""
        self._disk.pop(path, None)
        self._files = None
        self._roots = None

    def index_of(self, path: str) -> FileIndex | None:
        entry = self._entry(path)
        return entry.index if entry is not None else None

    def _entry(self, path: str) -> _Entry | None:
        entry = self._open.get(path)
        if entry is not None:
            return entry
        stamp = stamp_of(Path(path))
        entry = self._disk.get(path)
        if entry is not None and entry.stamp == stamp:
            return entry
        if stamp is None or stamp[1] > MAX_FILE_BYTES:
            self._disk.pop(path, None)
            return None
        try:
            data = Path(path).read_bytes()
        except OSError:
            return None
        entry = _Entry(stamp, bind(parse(data), data, path))
        with self._lock:
            self._disk[path] = entry
        return entry

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
        index = self.index_of(path)
        if index is None:
            return []
        include_index = self.include_index_for(path)
        scope = include_index.scope(path, index.includes)
        return [str(p) for p in scope.files]

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
        """A file's include lines (from its index when we have one, else a quick scan)."""
        entry = self._open.get(path) or self._disk.get(path)
        if entry is not None:
            return [IncludeRef(i.name, i.system, i.optional) for i in entry.index.includes]
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
        own = self.index_of(path)
        root = self.plugin_root(path)
        others = [p for p in [root, *self.closure(root)] if p != path]
        if root != path:
            others += [p for p in self.closure(path) if p not in others and p != path]
        plugin = [p for p in others if not self.read_only(p)]
        includes = [p for p in others if self.read_only(p)]
        layers = [Layer(own.decls if own is not None else ())]
        for group in (plugin, includes):
            if group:
                layers.append(self._layer(group))
        return Program(layers)

    def _layer(self, paths: list[str]) -> Layer:
        entries = [(p, self._entry(p)) for p in paths]
        key = tuple((p, id(e.index)) for p, e in entries if e is not None)
        layer = self._layers.get(key)
        if layer is None:
            layer = Layer(d for _, e in entries if e is not None for d in e.index.decls)
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
        seen: dict[str, None] = dict.fromkeys(self._open)
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
        return any(d.key == decl.key for d in program.all_named(decl.name))

    def references(self, decl: Decl, include_declaration: bool = True) -> list[Occurrence]:
        out: list[Occurrence] = []
        local = decl.kind in k.SCOPED_KINDS
        paths = [decl.path] if local else self.candidate_files()
        for path in paths:
            entry = self._entry(path)
            if entry is None or decl.name not in entry.index.names:
                continue
            model = SemanticModel(entry.index, self.program(path))
            out += self._in_file(model, decl, include_declaration)
        return out

    def _in_file(self, model: SemanticModel, decl: Decl, include_declaration: bool) -> list[Occurrence]:
        out = []
        for ref in model.refs:
            if ref.name != decl.name:
                continue
            if not any(self.same_symbol(decl, d, model.program) for d in model.resolve(ref)):
                continue
            is_decl = ref.role == k.DECLARATION
            if is_decl and not include_declaration:
                continue
            out.append(Occurrence(model.path, ref.start, ref.end, is_decl, ref.role == k.THIS))
        return out

    def refs_in(self, model: SemanticModel, decl: Decl) -> list[Ref]:
        """The references to `decl` in one file (document highlight)."""
        return [
            r
            for r in model.refs
            if r.name == decl.name
            and r.role != k.THIS
            and any(self.same_symbol(decl, d, model.program) for d in model.resolve(r))
        ]


def read_only_predicate(include_dirs: Sequence[Path | str]) -> Callable[[str], bool]:
    """Files the user does not edit: anything under a configured include folder, and
    SourceMod's own include files wherever they are (`sourcemod.inc`, `sdktools_*.inc`...)."""
    folders = tuple(os.path.join(os.path.realpath(Path(d).expanduser()), "") for d in include_dirs)

    def read_only(path: str) -> bool:
        name = os.path.basename(path)
        if name.endswith(".inc") and name[:-4] in SOURCEMOD_INCLUDES:
            return True
        if not folders:
            return False
        real = os.path.realpath(path)
        return real.startswith(folders)

    return read_only
