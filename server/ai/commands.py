"""Small pure pieces of the generation commands: the instruction in the comment above the
cursor, the span a model fix may replace, and where a generated plugin goes."""

from __future__ import annotations

import re
from pathlib import Path

from spcopilot.diagnostics.parsing import Tree

_COMMENT_LINE = re.compile(r"^\s*//+\s?(.*)$")


def comment_instruction(before: str) -> str:
    """The `//` comment lines right above the cursor line (or ending on it), as one instruction."""
    lines = before.split("\n")
    current = lines.pop()
    found: list[str] = []
    match = _COMMENT_LINE.match(current)
    if match:
        found.append(match.group(1))
    elif current.strip():
        return ""
    for line in reversed(lines):
        match = _COMMENT_LINE.match(line)
        if not match:
            if not line.strip() and not found:
                continue  # blank lines between the comment and the cursor
            break
        found.append(match.group(1))
    return " ".join(part.strip() for part in reversed(found) if part.strip())


def enclosing_span(tree: Tree | None, source: bytes, offset: int) -> tuple[int, int]:
    """The top-level item (function, declaration) around `offset`, or its line without a tree."""
    if tree is not None:
        for child in tree.root_node.children:
            if child.start_byte <= offset < child.end_byte and child.type != "comment":
                return child.start_byte, child.end_byte
    start = source.rfind(b"\n", 0, offset) + 1
    end = source.find(b"\n", offset)
    return start, len(source) if end < 0 else end


def slug(prompt: str, limit: int = 40) -> str:
    words = re.findall(r"[a-z0-9]+", prompt.lower())
    name = "_".join(words)[:limit].strip("_")
    return name or "plugin"


def new_plugin_path(root: Path | None, prompt: str) -> Path:
    """`<root>/scripting/<slug>.sp` when the workspace has a scripting folder, else `<root>/<slug>.sp`;
    never an existing file (`_2`, `_3`, … appended)."""
    base = root or Path.cwd()
    folder = base / "scripting" if (base / "scripting").is_dir() else base
    stem = slug(prompt)
    candidate = folder / f"{stem}.sp"
    number = 2
    while candidate.exists():
        candidate = folder / f"{stem}_{number}.sp"
        number += 1
    return candidate
