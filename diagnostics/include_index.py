"""Include index (first cut: resolution and defined names; symbols with docs come next)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from spcopilot.diagnostics.parsing import parse
from spcopilot.diagnostics.semantics import Include, build_model


def find_include_dirs(path: Path | None, configured: Sequence[Path] = ()) -> list[Path]:
    dirs = [Path(d) for d in configured]
    if path is not None:
        for folder in list(Path(path).resolve().parents)[:6]:
            for candidate in (folder / "include", folder / "scripting" / "include"):
                if candidate.is_dir() and candidate not in dirs:
                    dirs.append(candidate)
    return [d for d in dirs if d.is_dir()]


@dataclass
class Scope:
    names: set[str] = field(default_factory=set)
    unresolved_names: list[str] = field(default_factory=list)

    def defines(self, name: str) -> bool:
        return name in self.names

    @property
    def unresolved(self) -> list[str]:
        return self.unresolved_names


class IncludeIndex:
    def __init__(self, include_dirs: Sequence[Path], cache_dir: Path | None = None) -> None:
        self.include_dirs = list(include_dirs)
        self.cache_dir = cache_dir
        self._names: dict[Path, tuple[float, set[str], list[Include]]] = {}

    def resolve(self, include: Include, from_file: Path | None) -> Path | None:
        name = include.name
        candidates = [name] if name.endswith((".inc", ".sp")) else [name + ".inc", name, name + ".sp"]
        folders = ([from_file.parent] if from_file is not None and not include.system else []) + self.include_dirs
        for folder in folders:
            for c in candidates:
                p = folder / c
                if p.is_file():
                    return p
        return None

    def _file(self, path: Path) -> tuple[set[str], list[Include]]:
        mtime = path.stat().st_mtime
        cached = self._names.get(path)
        if cached and cached[0] == mtime:
            return cached[1], cached[2]
        data = path.read_bytes()
        model = build_model(parse(data), data)
        self._names[path] = (mtime, model.defined, model.includes)
        return model.defined, model.includes

    def scope(self, path: Path | None, includes: Sequence[Include]) -> Scope:
        scope = Scope()
        seen: set[Path] = set()
        todo = [(inc, path) for inc in includes]
        while todo:
            inc, origin = todo.pop()
            found = self.resolve(inc, origin)
            if found is None:
                scope.unresolved_names.append(inc.name)
                continue
            if found in seen:
                continue
            seen.add(found)
            names, nested = self._file(found)
            scope.names |= names
            todo += [(n, found) for n in nested]
        return scope
