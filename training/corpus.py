"""Finding the corpus: `.sp`/`.inc` files under the SOURCE folders, each assigned to a repository.

The repository is the unit of the train/eval split (no plugin leaks from train into eval through
a sibling file or a fork in the same repository):

- a SOURCE folder that is itself a repository (it has `.git`) is one repository;
- otherwise each first-level subfolder of SOURCE is a repository (a folder of cloned repos), and
  files directly inside SOURCE form one more, named after SOURCE.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from spcopilot.diagnostics.errors import InputError
from spcopilot.diagnostics.sources import SOURCE_SUFFIXES, read_source
from spcopilot.training.errors import DatasetError


@dataclass(frozen=True, slots=True)
class CorpusFile:
    repo: str  # e.g. "corpus/l4d2-tank-tools"
    path: str  # inside the repository, with "/" separators: (repo, path) is unique
    file: Path


def repository_of(source: Path, relative: Path) -> tuple[str, str]:
    """(repository name, the file's path inside that repository)."""
    if (source / ".git").exists() or len(relative.parts) == 1:
        return source.name, relative.as_posix()
    return f"{source.name}/{relative.parts[0]}", Path(*relative.parts[1:]).as_posix()


def find_files(sources: list[Path]) -> list[CorpusFile]:
    """Every `.sp`/`.inc` file under the SOURCE folders (hidden folders skipped, symlink loops cut)."""
    if not sources:
        raise DatasetError("no SOURCE folders given: name one or more folders of .sp/.inc files")
    found: list[CorpusFile] = []
    names: set[str] = set()
    for source in sources:
        if not source.is_dir():
            raise DatasetError(f"{source}: no such folder (SOURCES are folders of .sp/.inc files)")
        source = source.resolve()
        if source.name in names:
            raise DatasetError(f"two SOURCE folders are named {source.name!r}: repository names would clash")
        names.add(source.name)
        seen: set[Path] = set()
        for folder, dirs, files in os.walk(source, followlinks=True):
            real = Path(folder).resolve()
            if real in seen:
                dirs[:] = []
                continue
            seen.add(real)
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.endswith(SOURCE_SUFFIXES):
                    file = Path(folder) / name
                    repo, inside = repository_of(source, file.relative_to(source))
                    found.append(CorpusFile(repo, inside, file))
    return found


def read_file(item: CorpusFile) -> tuple[str | None, str]:
    """(text, "") or (None, why it cannot be used). Binary and unreadable files are skipped;
    invalid UTF-8 is decoded with replacement characters (the garbled filter judges it)."""
    try:
        source = read_source(item.file)
    except InputError as exc:
        return None, str(exc)
    return source.data.decode("utf-8", "replace"), source.note
