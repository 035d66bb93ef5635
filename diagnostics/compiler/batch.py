"""`spcopilot check --compile`: the compiler's findings added to a checked tree's results.

Every plugin is compiled once, however many of its part files were checked; compiles run in
parallel threads (each is its own process). A finding in a file that was not among the
checked ones (an include) is reported on that file all the same. Compiler findings are not
filtered by `select`/`ignore` (those name our rules): `--compile` asks for them. A compile that
gave no verdict (the compiler crashed, timed out or printed garbage) is a finding too, code
`spcomp`, on the plugin it was compiling, so JSON and SARIF carry it (findings.py).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from spcopilot.diagnostics.checker import FileResult
from spcopilot.diagnostics.compiler.check import CompileCheck, CompileReport, text_reader
from spcopilot.diagnostics.compiler.findings import merged, problem_diagnostic
from spcopilot.diagnostics.sources import path_key


@dataclass(slots=True)
class BatchCompile:
    """What `add_compiler_findings` did: the plugins compiled, and those no compiler was found for."""

    compiled: list[Path] = field(default_factory=list)
    without_compiler: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # each once


def add_compiler_findings(results: list[FileResult], check: CompileCheck, jobs: int = 1) -> BatchCompile:
    """Compile the plugins behind `results` and merge what the compiler says into them (new
    results for files outside the set)."""
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
    done = BatchCompile()
    for target, report in zip(targets, reports, strict=True):
        (done.compiled if report.targets else done.without_compiler).append(target)
        done.problems += [p for p in report.problems if p not in done.problems]
        for failed, problem in report.failures:
            report.by_file.setdefault(str(failed), []).insert(0, problem_diagnostic(str(failed), problem))
        _merge(report, by_path, results)
    return done


def _merge(report: CompileReport, by_path: dict[str, FileResult], results: list[FileResult]) -> None:
    for path, found in report.by_file.items():
        if not found:
            continue
        result = by_path.get(path_key(Path(path)))
        if result is None:
            result = by_path[path_key(Path(path))] = FileResult(Path(path))
            results.append(result)
        result.diagnostics = merged(result.diagnostics, found, text_reader())
