"""Step 4b: `manifest.json`: what was exported from what, with which tools: each file's size and
sha256, the source adapter and base, the versions, the parity summary."""

from __future__ import annotations

import hashlib
import platform
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

VERSIONED = ("sourcepawn-copilot", "llama-cpp-python", "torch", "transformers", "peft", "safetensors", "tokenizers")


def sha256(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def file_entries(root: Path) -> list[dict[str, Any]]:
    """Every file under `root` (but the manifest itself), sorted, with size and sha256."""
    entries = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != "manifest.json"):
        entries.append(
            {"path": path.relative_to(root).as_posix(), "bytes": path.stat().st_size, "sha256": sha256(path)}
        )
    return entries


def versions(names: tuple[str, ...] = VERSIONED) -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def source_entry(folder: Path, weights: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"path": str(folder.resolve())}
    if (folder / weights).is_file():
        entry[weights] = {"bytes": (folder / weights).stat().st_size, "sha256": sha256(folder / weights)}
    return entry


def now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()
