"""/v1/check without HTTP: lint a text as `spcopilot check` lints a file, optionally with its
fixes applied until stable (as `--fix`), and answer in `check --format json`'s shape."""

from __future__ import annotations

from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Any

from spcopilot.diagnostics.engine import lint_config
from spcopilot.diagnostics.fixes import fix_until_stable
from spcopilot.diagnostics.linter import Linter, is_config_file
from spcopilot.diagnostics.model import Diagnostic, Severity


def file_name(path: str) -> str:
    """The last part of a client's path: a request never points the server at its own folders."""
    return PurePosixPath(path.replace("\\", "/")).name or "plugin.sp"


def check_code(
    linter: Linter, code: str, path: str = "plugin.sp", fix: bool = False, unsafe: bool = False
) -> dict[str, Any]:
    """Diagnostics of `code` (of the fixed code with `fix`), the fixed code and what was fixed.
    A config file name (`databases.cfg`) gets the credential scan, and is never rewritten."""
    name = file_name(path)
    source = code.encode("utf-8")
    fixed_code: str | None = code if fix else None
    applied: tuple[Diagnostic, ...] = ()
    if is_config_file(Path(name)):
        found = lint_config(source, name, linter.config)
    else:

        def lint(data: bytes) -> list[Diagnostic]:
            return linter.lint_source(data, Path(name))

        if fix:
            result = fix_until_stable(source, lint, unsafe=unsafe)
            fixed_code, applied = result.source.decode("utf-8"), result.applied
            found = lint(result.source)
        else:
            found = lint(source)
    counts = Counter(d.severity for d in found)
    return {
        "diagnostics": [d.to_json() | {"path": name} for d in found],
        "counts": {s.label: counts.get(s, 0) for s in Severity},
        "fixed_code": fixed_code,
        "fixed": [{"code": d.code, "message": d.message} for d in applied],
    }
