"""Writing generated files: never over an existing file unless asked, never half a file (a
temporary file in the same folder, then one rename)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from spcopilot.diagnostics.errors import InputError


def check_new_file(path: Path, force: bool) -> None:
    """Refuse before any work is done: an existing file (without --force) or a missing folder."""
    if path.is_dir():
        raise InputError(f"{path} is a folder; -o takes a file name")
    if path.exists() and not force:
        raise InputError(f"{path} exists; pass --force to replace it")
    if not path.parent.is_dir():
        raise InputError(f"{path.parent}: no such folder")


def write_atomic(path: Path, text: str) -> None:
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".spcopilot-tmp")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException as exc:  # also KeyboardInterrupt: no temporary file is left behind
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write {path}: {exc.strerror}") from None
        raise
