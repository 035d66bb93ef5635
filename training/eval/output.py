"""Writing a run folder: never half of one. Everything goes into `<out>.partial-<pid>` next to
the target, renamed to `<out>` only when every file is complete (the training layer's staging,
so a failure or Ctrl-C removes the partial folder and leaves an older `<out>` as it was)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spcopilot.training.eval.errors import EvalError
from spcopilot.training.staging import staged_dir, write_json, write_jsonl, write_lines


def check_out(out: Path, overwrite: bool) -> None:
    """Refuse before any model time is spent."""
    if out.exists() and not overwrite:
        raise EvalError(f"{out} already exists; choose another --out folder or pass --overwrite")
    if out.exists() and not out.is_dir():
        raise EvalError(f"{out} is a file; --out takes a folder")


def write_run(
    out: Path,
    report: dict[str, Any],
    markdown: str,
    jsonl_files: dict[str, list[dict[str, Any]]],
    overwrite: bool,
) -> None:
    with staged_dir(out, EvalError, overwrite=overwrite) as stage:
        for name, records in jsonl_files.items():
            write_jsonl(stage / name, records)
        write_lines(stage / "report.md", [markdown.rstrip("\n")])
        write_json(stage / "report.json", report)
