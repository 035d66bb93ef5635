"""Reading the evaluation's JSONL inputs: one object a line, blank lines and `#` comment lines
skipped, every problem reported as `FILE:LINE: what is wrong`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from spcopilot.training.eval.errors import EvalError


def read_jsonl(path: Path, what: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each record of `path`; `what` names the file's role in messages."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EvalError(f"{path}: no such {what} file") from None
    except IsADirectoryError:
        raise EvalError(f"{path} is a folder; expected a {what} file (JSONL)") from None
    except UnicodeDecodeError:
        raise EvalError(f"{path}: not UTF-8 text; expected a {what} file (JSONL)") from None
    except OSError as exc:
        raise EvalError(f"cannot read the {what} file {path}: {exc.strerror or exc}") from None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            value = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise EvalError(f"{path}:{number}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(value, dict):
            raise EvalError(f"{path}:{number}: each line of a {what} file must be a JSON object")
        yield number, value


def field_error(path: Path, number: int, message: str) -> EvalError:
    return EvalError(f"{path}:{number}: {message}")


def check_keys(path: Path, number: int, record: dict[str, Any], allowed: frozenset[str], what: str) -> None:
    unknown = sorted(set(record) - allowed)
    if unknown:
        raise field_error(
            path, number, f"unknown key(s) {', '.join(unknown)} in a {what} record; known: {', '.join(sorted(allowed))}"
        )


def text_field(path: Path, number: int, record: dict[str, Any], key: str, required: bool = True) -> str:
    value = record.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise field_error(path, number, f'"{key}" must be a non-empty string')
    return value
