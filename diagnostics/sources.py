"""Reading plugin files the way a user expects: never a traceback, never a lost byte."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from spcopilot.diagnostics.errors import InputError

SOURCE_SUFFIXES = (".sp", ".inc")
BINARY_SNIFF = 8192


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: Path
    data: bytes  # UTF-8 (invalid bytes replaced, see `note`)
    note: str = ""  # e.g. "not valid UTF-8: decoded with replacement characters"
    original: bytes | None = None  # the bytes on disk when `data` differs from them


def path_key(path: str | Path) -> str:
    """One spelling per file for comparing paths: absolute, normalised, case-folded where the
    file system folds case."""
    return os.path.normcase(os.path.abspath(path))


def read_source(path: Path) -> SourceFile:
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied (check the file's permissions)") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if b"\x00" in raw[:BINARY_SNIFF]:
        raise InputError(f"{path}: looks like a binary file (NUL bytes), not SourcePawn source; skipped")
    raw_text = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    try:
        raw_text.decode("utf-8")
        return SourceFile(path, raw_text, original=raw if raw_text is not raw else None)
    except UnicodeDecodeError as exc:
        fixed = raw_text.decode("utf-8", "replace").encode("utf-8")
        note = f"not valid UTF-8 (first bad byte at offset {exc.start}): decoded with replacement characters"
        return SourceFile(path, fixed, note, original=raw)
