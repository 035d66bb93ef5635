"""Which include files are the user's own, for the compiler's warnings in them.

A plugin's compile also reports warnings inside the include files it uses. In a file the user
does not own (SourceMod's includes, a shared copy of Left4DHooks' includes) they cannot fix
them, and they would make `spcopilot check --compile` fail a clean plugin. Such warnings are
reported at the `spcomp-include-severity` setting (default `info`); errors stay errors (the
plugin does not compile).

Not the user's: files inside a configured include folder, or inside the compiler's own
include folder (`<compiler folder>/include`, `<compiler folder>/../include`, where SourceMod
keeps its includes), unless that folder lies inside the workspace (the folder of the
`.spcopilot.toml`, the paths checked, the editor's workspace). Folders are compared resolved,
as the compiler reports the files it opened.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def _real(path: Path | str) -> Path:
    return Path(os.path.realpath(path))


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


class IncludeOwnership:
    def __init__(self, include_dirs: Iterable[Path], workspace: Iterable[Path] = ()) -> None:
        self.workspace = [_real(w) for w in workspace]
        self.foreign: list[Path] = []
        self.add(include_dirs)

    def add(self, folders: Iterable[Path]) -> None:
        """More read-only candidates (kept only when outside the workspace)."""
        for folder in folders:
            real = _real(folder)
            if real not in self.foreign and not any(_inside(real, w) for w in self.workspace):
                self.foreign.append(real)

    def add_compiler(self, compiler: Path) -> None:
        """The compiler's own include folders (SourceMod's includes, next to spcomp)."""
        here = compiler.parent
        self.add(f for f in (here / "include", here.parent / "include") if f.is_dir())

    def owns(self, path: str | Path) -> bool:
        """Whether `path` is the user's (not inside a read-only include folder)."""
        real = _real(path)
        return not any(_inside(real, folder) for folder in self.foreign)
