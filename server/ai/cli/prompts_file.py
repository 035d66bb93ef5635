"""The PROMPTS file of `batch` and `estimate`: JSONL (`{"id"?: ..., "prompt": ...}` per line) or
plain text (one prompt per line; blank lines are skipped).

A file is read as JSONL when its name ends in .jsonl/.json or its first non-blank line starts
with `{`. Prompts without an id get one made from their first words and a hash of the text, so
the same prompt keeps its id across runs (that is what `batch` resumes by).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from spcopilot.diagnostics.errors import InputError

ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


@dataclass(frozen=True, slots=True)
class PromptItem:
    id: str
    prompt: str
    line: int  # 1-based, for messages


def read_prompts(path: Path) -> list[PromptItem]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder; PROMPTS is a .jsonl or a text file") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text") from None
    lines = text.splitlines()
    first = next((line.strip() for line in lines if line.strip()), "")
    if not first:
        raise InputError(f"{path} has no prompts (it is empty)")
    as_jsonl = path.suffix.lower() in (".jsonl", ".json") or first.startswith("{")
    items = [
        _json_item(path, n, line) if as_jsonl else PromptItem(make_id(line.strip()), line.strip(), n)
        for n, line in enumerate(lines, 1)
        if line.strip()
    ]
    seen: dict[str, int] = {}
    for item in items:
        if item.id in seen:
            raise InputError(
                f"{path}:{item.line}: id {item.id!r} again (first on line {seen[item.id]}); "
                "every prompt needs its own id (the same prompt twice gets the same id: give them ids in a JSONL)"
            )
        seen[item.id] = item.line
    return items


def _json_item(path: Path, number: int, line: str) -> PromptItem:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{number}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(row, dict):
        raise InputError(f'{path}:{number}: expected an object like {{"id": "tank-hp", "prompt": "..."}}')
    prompt = row.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise InputError(f'{path}:{number}: "prompt" must be a non-empty string')
    given = row.get("id")
    if given is None:
        return PromptItem(make_id(prompt), prompt.strip(), number)
    ident = str(given) if isinstance(given, (str, int)) and not isinstance(given, bool) else ""
    if not ID_PATTERN.fullmatch(ident):
        raise InputError(
            f"{path}:{number}: id {given!r} cannot name a file: use letters, digits, '.', '_' and '-' "
            "(at most 100, not starting with '.' or '-')"
        )
    return PromptItem(ident, prompt.strip(), number)


def make_id(prompt: str) -> str:
    """`Announce the tank's health` -> `announce-the-tank-s-health-3f2a9c`."""
    words = re.findall(r"[a-z0-9]+", prompt.lower())
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > 40:
            break
        slug = f"{slug}-{word}" if slug else word
    digest = hashlib.sha256(prompt.strip().encode("utf-8")).hexdigest()[:6]
    return f"{slug or 'prompt'}-{digest}"
