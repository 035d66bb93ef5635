"""`spcopilot eval run | compare | holes`: the battery, the probes and the hole-filling benchmark.

Only argparse and the flag definitions load when the command line is built; the engine and the
model load when a command runs. Exit codes: 0 done (scores are reported, never judged), 2 usage,
input or backend error, 130 Ctrl-C (no output folder is left behind).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from spcopilot.server.ai.cli import flags

DEFAULT_KINDS = "statement,block,body"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="score a model: prompt battery, existence probes, hole filling; compare two runs",
        description="Evaluate a model (any backend, also recorded outputs through `replay`) with the engine as judge.",
    )
    sub = parser.add_subparsers(dest="eval_command", metavar="SUBCOMMAND", required=True)
    _run_parser(sub)
    _compare_parser(sub)
    _holes_parser(sub)


def _run_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run a prompt battery (and probes) and write DIR/report.json, report.md, outputs.jsonl",
        description="Ask the model every battery prompt as `spcopilot generate` does and score the answers "
        "(pass rate, wrong-API avoidance, security score, per category), with the guard (default), without "
        "it (--no-guard) or both on the same answers (--both). outputs.jsonl holds every model answer in the "
        "replay backend's format: `--replay-file DIR/outputs.jsonl` re-scores a run offline.",
        epilog="example: spcopilot eval run --battery training/eval/data/battery.jsonl "
        "--probes training/eval/data/probes.jsonl --gguf model.gguf --both --out runs/q4",
    )
    p.add_argument("--battery", type=Path, required=True, metavar="FILE", help="the battery (JSONL)")
    p.add_argument("--probes", type=Path, metavar="FILE", help="existence probes (JSONL) to ask as well")
    guard = p.add_mutually_exclusive_group()
    guard.add_argument("--no-guard", action="store_true", help="score the answers as written only")
    guard.add_argument("--both", action="store_true", help="score each answer as written and after the guard")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="the run folder to write")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out folder")
    flags.add_backend_flags(p)
    _greedy_temperature_help(p)
    p.set_defaults(func=run_command)


def _compare_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="two runs' reports side by side (markdown)",
        description="Print a markdown table of every figure of two reports (run folders or report.json files "
        "of the same kind) with the difference, and the items whose verdict changed.",
    )
    p.add_argument("a", type=Path, metavar="A", help="the first run folder or report.json")
    p.add_argument("b", type=Path, metavar="B", help="the second run folder or report.json")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the table to FILE instead of stdout")
    p.set_defaults(func=compare_command)


def _holes_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "holes",
        help="hole-filling benchmark: cut holes out of held-out plugins, fill them as the editor does, score",
        description="Cut holes (a statement, a nested block, a function body) out of held-out plugins, fill each "
        "through the editor's inline-completion path and score whether the result parses, lints clean and "
        "calls what the original called. SRC: .sp files, folders of them, a JSONL of {path, text} or a "
        "`spcopilot data prepare` folder (its eval split).",
        epilog="example: spcopilot eval holes data/prepared --gguf model.gguf --per-file 3 --out runs/holes-q4",
    )
    p.add_argument("sources", type=Path, nargs="+", metavar="SRC", help="held-out plugins")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="the run folder to write")
    p.add_argument("--per-file", type=int, default=3, metavar="N", help="holes per plugin (default 3)")
    p.add_argument("--kinds", default=DEFAULT_KINDS, help=f"hole kinds, comma-separated (default {DEFAULT_KINDS})")
    p.add_argument("--fill-tokens", type=int, default=256, metavar="N",
                   help="longest fill in tokens (the editor's default is 96; bodies need more; default 256)")  # fmt: skip
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out folder")
    flags.add_backend_flags(p, repair=False)
    _greedy_temperature_help(p)
    p.set_defaults(func=holes_command)


def _greedy_temperature_help(parser: argparse.ArgumentParser) -> None:
    """The backend flags' help states the editor's default temperature; evaluations decode
    greedily unless told otherwise (session.EVAL_TEMPERATURE), and --help must say so."""
    from spcopilot.training.eval import EVAL_TEMPERATURE

    for action in parser._actions:
        if "--temperature" in action.option_strings:
            action.help = (
                f"sampling temperature (default {EVAL_TEMPERATURE:g}: evaluations decode greedily, so two runs agree)"
            )


def _progress(number: int, total: int, text: str) -> None:
    print(f"[{number}/{total}] {text}", file=sys.stderr, flush=True)


class _Step:
    """Not on a terminal (a log, CI): one line when a step starts and one when it ends, instead of
    a line per item; on a terminal the items' own lines say enough."""

    def __init__(self, what: str) -> None:
        self.what, self.quiet = what, sys.stderr.isatty()

    def __enter__(self) -> _Step:
        self.started = time.monotonic()
        if not self.quiet:
            print(f"eval: {self.what}…", file=sys.stderr, flush=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.quiet and exc[0] is None:
            print(f"eval: {self.what}: done in {time.monotonic() - self.started:.1f} s", file=sys.stderr, flush=True)


def run_command(args: argparse.Namespace) -> int:
    from spcopilot.training.eval.battery import load_battery
    from spcopilot.training.eval.errors import EvalError
    from spcopilot.training.eval.output import check_out, write_run
    from spcopilot.training.eval.probes import load_probes
    from spcopilot.training.eval.report import build_report, render_markdown, sha256_of
    from spcopilot.training.eval.runner import run_battery, run_probes
    from spcopilot.training.eval.session import describe, open_copilot, resolve_settings

    modes = ("raw", "guarded") if args.both else ("raw",) if args.no_guard else ("guarded",)
    items = load_battery(args.battery)
    probes = load_probes(args.probes) if args.probes is not None else None
    check_out(args.out, args.overwrite)
    resolved = resolve_settings(args)
    progress = _progress if sys.stderr.isatty() else None
    copilot, recorder = open_copilot(resolved)
    try:
        with _Step(f"{len(items)} battery prompts, {', '.join(modes)}"):
            results = run_battery(copilot, recorder, items, modes, repair=not args.no_repair, progress=progress)
        probe_results = None
        if probes is not None:
            with _Step(f"{len(probes)} probes"):
                probe_results = run_probes(copilot, recorder, probes, progress)
    finally:
        copilot.close()
    if all(r.error for r in results):
        raise EvalError(f"every model call failed, nothing to score; the first: {results[0].error}")
    battery_sha = sha256_of(args.battery)
    probes_sha = sha256_of(args.probes) if args.probes is not None else ""
    run = describe(resolved.settings, recorder) | {
        "battery": str(args.battery),
        "probes": str(args.probes) if args.probes is not None else None,
        "input_sha256": battery_sha + probes_sha,
        "battery_sha256": battery_sha,
        "probes_sha256": probes_sha or None,
        "repair": ("guarded" in modes) and not args.no_repair,
        "config": str(resolved.file) if resolved.file else None,
    }
    report = build_report(run, results, modes, probe_results)
    write_run(args.out, report, render_markdown(report), {"outputs.jsonl": recorder.records()}, args.overwrite)
    for mode in modes:
        m = report["metrics"][mode]
        compiled = f", compiles {_pct(m['compile_pass_rate'])}" if m["compile_pass_rate"] is not None else ""
        security = "n/a" if m["security_score"] is None else f"{m['security_score']}/10"
        print(f"{mode}: parses {_pct(m['parse_rate'])}, pass {m['passed']}/{m['items']}, wrong-API avoidance "
              f"{_pct(m['wrong_api_avoidance'])}, security {security}{compiled}")  # fmt: skip
        for key, why in m["not_applicable"].items():
            if key != "compile_pass_rate":
                print(f"  {key.replace('_', ' ')}: n/a ({why})")
    if report["probes"] is not None:
        p = report["probes"]
        print(f"probes: {p['correct']}/{p['probes']} right, {p['over_rejections']} over-rejection(s)")
    print(f"wrote {args.out}/report.md, report.json, outputs.jsonl")
    return 0


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def compare_command(args: argparse.Namespace) -> int:
    from spcopilot.server.ai.cli.atomic_write import write_atomic
    from spcopilot.training.eval.compare import compare
    from spcopilot.training.eval.report import read_report

    text = compare(read_report(args.a), read_report(args.b), str(args.a), str(args.b))
    if args.output is not None:
        write_atomic(args.output, text + "\n")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        print(text)
    return 0


def parse_kinds(text: str) -> tuple[str, ...]:
    from spcopilot.training.eval.errors import EvalError
    from spcopilot.training.eval.hole_cutting import KINDS

    kinds = tuple(dict.fromkeys(k.strip() for k in text.split(",") if k.strip()))
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise EvalError(f"--kinds: {', '.join(unknown) or 'none given'}; choose from {', '.join(KINDS)}")
    return kinds


def holes_command(args: argparse.Namespace) -> int:
    import hashlib

    from spcopilot.training.eval.errors import EvalError
    from spcopilot.training.eval.held_out import load_plugins
    from spcopilot.training.eval.hole_bench import replay_records, run_holes
    from spcopilot.training.eval.hole_report import build_hole_report, render_hole_markdown
    from spcopilot.training.eval.output import check_out, write_run
    from spcopilot.training.eval.session import describe, open_copilot, resolve_settings

    kinds = parse_kinds(args.kinds)
    if args.per_file < 1 or args.fill_tokens < 1:
        raise EvalError("--per-file and --fill-tokens must be at least 1")
    plugins = load_plugins(args.sources)
    check_out(args.out, args.overwrite)
    resolved = resolve_settings(args, fill_tokens=args.fill_tokens)
    copilot, recorder = open_copilot(resolved)
    try:
        with _Step(f"holes in {len(plugins)} plugins, {args.per_file} each"):
            hole_run = run_holes(copilot, recorder, plugins, args.per_file, kinds,
                                 _progress if sys.stderr.isatty() else None)  # fmt: skip
    finally:
        copilot.close()
    if not hole_run.results:
        reasons = "; ".join(f"{s['path']}: {s['reason']}" for s in hole_run.skipped[:5])
        raise EvalError(f"no holes could be cut from the sources ({reasons})")
    if all(r.error for r in hole_run.results):
        raise EvalError(f"every model call failed, nothing to score; the first: {hole_run.results[0].error}")
    digest = hashlib.sha256()
    for r in hole_run.results:
        digest.update(f"{r.id}\0{r.kind}\0{r.middle}\0".encode())
    run = describe(resolved.settings, recorder) | {
        "sources": [str(s) for s in args.sources],
        "plugins": len(plugins),
        "plugins_used": len({r.path for r in hole_run.results}),
        "per_file": args.per_file,
        "fill_tokens": args.fill_tokens,
        "input_sha256": digest.hexdigest(),
    }
    report = build_hole_report(run, hole_run, kinds)
    jsonl = {"outputs.jsonl": replay_records(recorder), "holes.jsonl": report["items"]}
    write_run(args.out, report, render_hole_markdown(report), jsonl, args.overwrite)
    m = report["metrics"]
    print(f"holes: {m['passed']}/{m['holes']} pass, filled {_pct(m['filled_rate'])}, parses {_pct(m['parse_rate'])}, "
          f"lint-clean {_pct(m['lint_clean_rate'])}, call recall {_pct(m['call_recall'])}")  # fmt: skip
    print(f"wrote {args.out}/report.md, report.json, holes.jsonl, outputs.jsonl")
    return 0
