"""The engine's sub-commands: `check`, `rules`, `rule CODE`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from spcopilot.diagnostics import config as config_mod
from spcopilot.diagnostics.errors import ConfigError
from spcopilot.diagnostics.model import Severity

FORMATS = ("text", "json", "sarif", "github", "gitlab")


def register(subparsers: argparse._SubParsersAction) -> None:
    check = subparsers.add_parser(
        "check",
        help="lint SourcePawn files and folders",
        description="Lint .sp files (folders are searched for .sp; files named explicitly are linted whatever their suffix).",
    )
    check.add_argument("paths", nargs="*", type=Path, default=[Path(".")], help="files or folders (default: .)")
    check.add_argument(
        "--format",
        "--output-format",
        dest="format",
        choices=FORMATS,
        default="text",
        help="text, json, sarif, github (Actions annotations) or gitlab (code quality report)",
    )
    check.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    check.add_argument(
        "--add-ignore",
        action="store_true",
        help="add a `// spcopilot: ignore[...]` comment for every current finding (adopting the linter)",
    )
    check.add_argument("--statistics", action="store_true", help="print how many findings each rule has")
    check.add_argument("--watch", action="store_true", help="check again whenever a file changes (Ctrl-C ends it)")
    check.add_argument("--diff", action="store_true", help="print the fixes as a diff instead of applying them")
    check.add_argument("--unsafe-fixes", action="store_true", help="with --fix/--diff, also apply unsafe fixes")
    check.add_argument("--select", help="only these rule codes or prefixes (comma-separated)")
    check.add_argument("--ignore", help="skip these rule codes or prefixes (comma-separated)")
    check.add_argument(
        "--include-dir", action="append", type=Path, default=[], help="a SourceMod include folder (repeatable)"
    )
    check.add_argument("--game-dir", type=Path, help="an L4D2 install or dedicated server: events from its own files")
    check.add_argument("--game", choices=config_mod.GAMES, help="override game detection")
    check.add_argument("--config", type=Path, help="a .spcopilot.toml (default: the nearest one)")
    check.add_argument(
        "--fail-on",
        choices=[s.label for s in Severity],
        help="exit 1 when a finding is at least this severe (default: warning)",
    )
    check.add_argument(
        "--compile",
        action="store_true",
        help="also compile each plugin with SourcePawn's compiler (spcomp), when one is found",
    )
    check.add_argument("--spcomp", type=Path, help="the compiler to use with --compile (default: searched)")
    check.add_argument(
        "--compile-timeout", type=float, default=60.0, metavar="SECONDS", help="stop a compile after this long"
    )
    check.add_argument(
        "--spcomp-include-severity",
        choices=[s.label for s in Severity],
        help="severity of the compiler's warnings in include files that are not yours (default: info)",
    )
    check.add_argument("--jobs", "-j", type=int, help="worker processes for large trees (default: all cores)")
    check.add_argument(
        "--file-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="give up on a file after this long and report it (default: 60; 0: no limit)",
    )
    check.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    check.set_defaults(func=run_check)

    logs = subparsers.add_parser(
        "logs",
        help="SourceMod's error logs on the source lines they blame",
        description="Read SourceMod error logs (files, or a logs folder's *.log) and show every runtime error "
        "and load failure on the line of the workspace's plugin source it blames.",
    )
    logs.add_argument("paths", nargs="+", type=Path, help="error log files or logs folders")
    logs.add_argument(
        "--source",
        action="append",
        type=Path,
        default=[],
        help="a folder (or file) with the plugins' sources (repeatable; default: .)",
    )
    logs.add_argument("--format", "--output-format", dest="format", choices=FORMATS, default="text")
    logs.add_argument("--config", type=Path, help="a .spcopilot.toml (default: the nearest one)")
    logs.set_defaults(func=run_logs)

    rules = subparsers.add_parser("rules", help="list the rules")
    rules.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    rules.set_defaults(func=run_rules)

    rule = subparsers.add_parser("rule", help="show one rule's documentation")
    rule.add_argument("code", help="a rule code (SPC201) or name (misnamed-event)")
    rule.set_defaults(func=run_rule)


def _config(args: argparse.Namespace) -> config_mod.Config:
    base = (
        config_mod.load_file(args.config)
        if args.config
        else config_mod.discover(args.paths[0] if args.paths else Path("."))
    )
    if args.game_dir is not None and not args.game_dir.is_dir():
        raise ConfigError(f"--game-dir {args.game_dir}: no such folder")
    for d in args.include_dir:
        if not d.is_dir():
            raise ConfigError(f"--include-dir {d}: no such folder")
    return base.merged(
        select=config_mod._codes(args.select, "--select") if args.select else None,
        ignore=config_mod._codes(args.ignore, "--ignore") if args.ignore else None,
        include_dirs=tuple(args.include_dir) + base.include_dirs if args.include_dir else None,
        game_dir=args.game_dir,
        game=args.game,
        fail_on=Severity.parse(args.fail_on) if args.fail_on else None,
        spcomp=getattr(args, "spcomp", None),
        spcomp_include_severity=Severity.parse(args.spcomp_include_severity) if args.spcomp_include_severity else None,
    )


def run_check(args: argparse.Namespace) -> int:
    from spcopilot.diagnostics.checker import check_paths

    if args.fix and args.diff:
        raise ConfigError("use either --fix (write the fixes) or --diff (show them), not both")
    if args.add_ignore and (args.fix or args.diff):
        raise ConfigError("--add-ignore suppresses the findings as they are: use it without --fix/--diff")
    config = _config(args)
    if args.watch:
        from spcopilot.diagnostics.watch import watch

        # The configuration is read again on every round: editing .spcopilot.toml takes effect.
        return watch(args.paths, lambda: _check_once(args, _config(args), check_paths), config_file=config.source)
    return _check_once(args, config, check_paths)


def _check_once(args: argparse.Namespace, config: config_mod.Config, check_paths: Any) -> int:
    from spcopilot.diagnostics import report

    progress = None
    bar = None
    if not args.no_progress and sys.stderr.isatty() and not args.watch:
        bar = _ProgressBar()
        progress = bar.update
    try:
        results = check_paths(
            args.paths,
            config,
            fix=args.fix,
            diff=args.diff,
            unsafe=args.unsafe_fixes,
            jobs=args.jobs,
            progress=progress,
            add_ignore=args.add_ignore,
            file_timeout=args.file_timeout or None,
        )
    finally:
        if bar:
            bar.close()
    if args.compile:
        _compile(args, config, results)
    for line in report.notices(results):
        print(line, file=sys.stderr)
    print(render(args.format, results, fix=args.fix, statistics=args.statistics), flush=True)
    if any(r.error for r in results):
        return 2
    failing = any(d.severity <= config.fail_on for r in results for d in r.diagnostics)
    return 1 if failing else 0


def render(fmt: str, results: list[Any], fix: bool = False, statistics: bool = False, fix_hint: bool = True) -> str:
    """The results as `--format` asks (with `--statistics`: counts per rule instead of findings)."""
    from spcopilot.diagnostics import report

    if statistics:
        return report.statistics_report(results, as_json=fmt == "json")
    if fmt == "json":
        return report.json_report(results)
    if fmt == "sarif":
        return report.sarif_report(results)
    if fmt == "github":
        return report.github_report(results)
    if fmt == "gitlab":
        return report.gitlab_report(results)
    return report.text_report(results, fix=fix, color=sys.stdout.isatty(), fix_hint=fix_hint)


def _compile(args: argparse.Namespace, config: config_mod.Config, results: list[Any]) -> None:
    """Add the compiler's findings; without a compiler say so once and go on (a compiler the
    user named that cannot be used is an error)."""
    from spcopilot.diagnostics.compiler import CompileCheck
    from spcopilot.diagnostics.compiler.batch import add_compiler_findings

    workspace = [p if p.is_dir() else p.parent for p in args.paths]
    check = CompileCheck(config, timeout=args.compile_timeout, workspace=workspace)
    search = check.search
    if search.compiler is None and search.configured:
        raise ConfigError(f"--compile: {search.rejected[0]}")
    done = add_compiler_findings(results, check, jobs=args.jobs or os.cpu_count() or 1)
    if not done.compiled and (done.without_compiler or search.compiler is None):
        missing = check.search_for(done.without_compiler[0]) if done.without_compiler else search
        print(f"note: --compile: {missing.describe()}; showing the rule findings only", file=sys.stderr)
    elif done.without_compiler:
        names = ", ".join(p.name for p in done.without_compiler[:3]) + (", …" if len(done.without_compiler) > 3 else "")
        print(f"note: --compile: no SourcePawn compiler found for {len(done.without_compiler)} of "
              f"{len(done.compiled) + len(done.without_compiler)} plugins ({names}); "
              "showing their rule findings only", file=sys.stderr)  # fmt: skip


class _ProgressBar:
    """A rich progress bar on stderr, shown only for large trees."""

    MIN_FILES = 50

    def __init__(self) -> None:
        self._progress: Any = None
        self._task: Any = None

    def update(self, done: int, total: int) -> None:
        if total < self.MIN_FILES:
            return
        if self._progress is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            self._progress = Progress(
                "checking",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("check", total=total)
        self._progress.update(self._task, completed=done)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


def run_logs(args: argparse.Namespace) -> int:
    from spcopilot.diagnostics import report
    from spcopilot.diagnostics.runtime.check import check_logs

    roots = args.source or [Path(".")]
    for root in roots:
        if not root.exists():
            raise ConfigError(f"--source {root}: no such file or folder")
    config = config_mod.load_file(args.config) if args.config else config_mod.discover(roots[0])
    checked = check_logs(args.paths, roots, config)
    for line in report.notices(checked.results):
        print(line, file=sys.stderr)
    if checked.summary.dropped:
        print(f"note: {checked.summary.dropped} errors past the first {len(checked.summary.groups)} different ones were "
              "counted but not shown", file=sys.stderr)  # fmt: skip
    print(render(args.format, checked.results, fix_hint=False), flush=True)
    if any(r.error for r in checked.results):
        return 2
    return 1 if any(r.diagnostics for r in checked.results) else 0


def run_rules(args: argparse.Namespace) -> int:
    from spcopilot.diagnostics.rule_docs import rules_json, rules_markdown, rules_text

    print({"json": rules_json, "markdown": rules_markdown}.get(args.format, rules_text)())
    return 0


def run_rule(args: argparse.Namespace) -> int:
    from spcopilot.diagnostics.rule_docs import rule_text
    from spcopilot.diagnostics.rules import rule_by_code

    rule = rule_by_code(args.code)
    if rule is None:
        raise ConfigError(f"no rule {args.code!r}; `spcopilot rules` lists them")
    print(rule_text(rule))
    return 0
