"""`spcopilot check --compile`: the compiler's findings added to a checked tree's results.

Every plugin is compiled once, however many of its part files were checked; compiles run in
parallel threads (each is its own process). A finding in a file that was not among the
checked ones (an include) is reported on that file all the same. Compiler findings are not
filtered by `select`/`ignore` (those name our rules): `--compile` asks for them.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from spcopilot.diagnostics.checker import FileResult
from spcopilot.diagnostics.compiler.check import CompileCheck, CompileReport, text_reader
from spcopilot.diagnostics.compiler.findings import merged
from spcopilot.diagnostics.sources import path_key


def add_compiler_findings(results: list[FileResult], check: CompileCheck, jobs: int = 1) -> list[str]:
    """Compile the plugins behind `results` and merge what the compiler says into them (new
    results for files outside the set). Returns the problems to show, each once."""
    by_path = {path_key(r.path): r for r in results}
    targets: list[Path] = []
    for r in results:
        if not r.error and not r.skipped and r.path.suffix.lower() in (".sp", ".inc"):
            targets += [t for t in check.targets_for(Path(os.path.abspath(r.path))) if t not in targets]
    stop = threading.Event()  # Ctrl-C: the compilers run in their own sessions, so kill them
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        try:
            reports = list(pool.map(lambda t: check.check(t, should_stop=stop.is_set, standalone=True), targets))
        except BaseException:
            stop.set()
            raise
    problems: list[str] = []
    for report in reports:
        problems += [p for p in report.problems if p not in problems]
        _merge(report, by_path, results)
    return problems


def _merge(report: CompileReport, by_path: dict[str, FileResult], results: list[FileResult]) -> None:
    for path, found in report.by_file.items():
        if not found:
            continue
        result = by_path.get(path_key(Path(path)))
        if result is None:
            result = by_path[path_key(Path(path))] = FileResult(Path(path))
            results.append(result)
        result.diagnostics = merged(result.diagnostics, found, text_reader())
