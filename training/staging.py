"""Outputs that never look complete when they are not: everything is written into a staging
folder next to the target (`<name>.partial-<pid>`), which is renamed to the target only at the
end. A failure (disk full, an error, Ctrl-C) removes the staging folder and leaves the target as
it was.

All the training layer's files go through `write_lines` (JSONL, JSON, text), so a test can make
the disk "full" by replacing that one function.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from spcopilot.diagnostics.errors import SpcopilotError


def write_lines(path: Path, lines: Iterable[str]) -> None:
    """Write text lines (each gets a newline) to `path`, creating its folder. The file appears
    only when complete (written beside it, then renamed): a job record being updated is never
    left half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        with partial.open("w", encoding="utf-8", newline="\n") as handle:
            for line in lines:
                handle.write(line)
                handle.write("\n")
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def write_jsonl(path: Path, records: Iterable[dict]) -> int:
    """Write one JSON object per line; returns how many."""
    count = 0

    def lines() -> Iterator[str]:
        nonlocal count
        for record in records:
            count += 1
            yield json.dumps(record, ensure_ascii=False, sort_keys=False)

    write_lines(path, lines())
    return count


def write_sorted_jsonl(path: Path, records: Iterable[dict], key: Callable[[dict], bytes]) -> int:
    """Write records in the order of `key` without holding them: each goes to a scratch file as it
    comes, and only (key, offset) pairs stay in memory; the lines are then copied in order."""
    scratch = path.with_name(f"{path.name}.unsorted-{os.getpid()}")
    path.parent.mkdir(parents=True, exist_ok=True)
    order: list[tuple[bytes, int]] = []
    try:
        with scratch.open("wb") as handle:
            for record in records:
                order.append((key(record), handle.tell()))
                handle.write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
        order.sort()
        with scratch.open("rb") as reader:

            def lines() -> Iterator[str]:
                for _, offset in order:
                    reader.seek(offset)
                    yield reader.readline().decode("utf-8").rstrip("\n")

            write_lines(path, lines())
    finally:
        scratch.unlink(missing_ok=True)
    return len(order)


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MB chunks (stats.json records one per output)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_json(path: Path, value: object) -> None:
    write_lines(path, [json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)])


def describe_os_error(error: OSError) -> str:
    if error.errno == errno.ENOSPC:
        return "no space left on the device"
    if error.errno == errno.EDQUOT:
        return "disk quota exceeded"
    return error.strerror or str(error)


@contextmanager
def staged_dir(target: Path, error: type[SpcopilotError], overwrite: bool = False) -> Iterator[Path]:
    """Yield a staging folder; on success it becomes `target` (replacing an old one only when
    `overwrite`). Any failure removes the staging folder; OSErrors become `error`."""
    target = Path(target)
    if target.exists() and not overwrite:
        raise error(f"{target} already exists; choose another output folder or pass --overwrite")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise error(f"cannot create {target.parent}: {describe_os_error(exc)}") from None
    staging = target.with_name(f"{target.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir()
        yield staging
        _replace(staging, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise error(
            f"could not write {target}: {describe_os_error(exc)}; the partial output was removed "
            f"and {target} was left as it was"
        ) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _replace(staging: Path, target: Path) -> None:
    if not target.exists():
        staging.rename(target)
        return
    old = target.with_name(f"{target.name}.old-{os.getpid()}")
    target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
