"""`spcopilot logs PATH...`: read SourceMod's error logs and put every error on the workspace's
source line it blames. The language server follows the same logs as they grow (tail.py) and
places them with the same functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from spcopilot.diagnostics.checker import FileResult
from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.errors import InputError
from spcopilot.diagnostics.model import Diagnostic, Position, Range, Severity
from spcopilot.diagnostics.parsing import parse
from spcopilot.diagnostics.runtime.logs import parse_line, read_lines
from spcopilot.diagnostics.runtime.placement import EXCEPTION_CODE, LOAD_CODE, assign, diagnostics_for
from spcopilot.diagnostics.runtime.records import RecordParser
from spcopilot.diagnostics.runtime.sources import SourceIndex
from spcopilot.diagnostics.runtime.summary import ErrorGroup, Summary
from spcopilot.diagnostics.sources import read_source


def log_files(paths: Sequence[Path]) -> tuple[list[Path], list[FileResult]]:
    """Files named, and the `*.log` files of folders named (a SourceMod logs folder)."""
    files: list[Path] = []
    problems: list[FileResult] = []
    for path in paths:
        if path.is_dir():
            try:
                files += sorted(p for p in path.iterdir() if p.suffix.lower() == ".log" and p.is_file())
            except OSError as error:
                problems.append(FileResult(path, error=f"{path}: cannot read directory ({error.strerror})"))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(FileResult(path, error=f"{path}: no such file or directory"))
    return files, problems


def read_log(path: Path, summary: Summary | None = None) -> Summary:
    """Every error of one log file, streamed (any size: memory stays bounded)."""
    summary = summary if summary is not None else Summary()
    parser = RecordParser(str(path))
    try:
        with path.open("rb") as stream:
            for number, (raw, _) in enumerate(read_lines(stream), start=1):
                line = parse_line(raw, number)
                if line is not None:
                    summary.add_all(parser.feed(line))
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None
    return summary.add_all(parser.finish())


@dataclass
class LogCheck:
    results: list[FileResult] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)
    logs: int = 0


def check_logs(paths: Sequence[Path], roots: Sequence[Path], config: Config) -> LogCheck:
    files, problems = log_files(paths)
    out = LogCheck(results=list(problems), logs=len(files))
    for path in files:
        try:
            read_log(path, out.summary)
        except InputError as error:
            out.results.append(FileResult(path, error=str(error)))
    index = SourceIndex(roots)
    placed, unplaced = assign(out.summary, index)
    for source_path, blames in sorted(placed.items()):
        try:
            source = read_source(source_path)
        except InputError as error:
            out.results.append(FileResult(source_path, error=str(error)))
            continue
        found = diagnostics_for(
            source_path, source.data, parse(source.data), blames, index, config, modified_time(source_path)
        )
        out.results.append(FileResult(source_path, diagnostics=sorted(found, key=lambda d: d.start_byte)))
    by_log: dict[str, list[Diagnostic]] = {}
    for group in unplaced:
        by_log.setdefault(group.latest.log, []).append(unplaced_diagnostic(group))
    for log, found in sorted(by_log.items()):
        out.results.append(FileResult(Path(log), diagnostics=found))
    return out


def modified_time(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime)
    except (OSError, ValueError, OverflowError):
        return None


def unplaced_diagnostic(group: ErrorGroup) -> Diagnostic:
    """An error no workspace file matches: on its line of the log, saying what was looked for."""
    error = group.latest
    frames = [f.file for f in error.scripted_frames]
    wanted = ", ".join(dict.fromkeys(frames)) or error.plugin or "no plugin named"
    line = max(error.line - 1, 0)
    where = Range(Position(line, 0), Position(line, 0))
    what = "runtime error" if error.kind == "exception" else "load failure"
    count = "once" if group.count == 1 else f"{group.count} times"
    return Diagnostic(
        code=EXCEPTION_CODE if error.kind == "exception" else LOAD_CODE,
        rule="runtime-error" if error.kind == "exception" else "plugin-load-failure",
        severity=Severity.WARNING,
        message=f"SourceMod {what} ({error.plugin or 'unknown plugin'}): {error.message}; logged {count}, "
        f"last {group.last_text}; no source for {wanted} in the workspace",
        start_byte=0,
        end_byte=0,
        range=where,
        path=error.log,
    )
