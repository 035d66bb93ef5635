"""The command-line definitions of the generation commands. Only argparse and the settings'
names are imported here: a command's module (and the model, the SDK, the engine) loads when the
command runs, so `spcopilot --help` and `spcopilot check` stay fast."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from pathlib import Path

from spcopilot.server.ai.cli import flags


def register(subparsers: argparse._SubParsersAction) -> None:
    for define in (_generate, _chat, _batch, _estimate, _info):
        define(subparsers)


def _lazy(module: str, function: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        loaded = importlib.import_module(f"spcopilot.server.ai.cli.{module}")
        return int(getattr(loaded, function)(args))

    return run


def _generate(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="generate a SourceMod plugin from an instruction (checked and fixed by the engine)",
        description="Generate one plugin from an instruction. The code printed (or written) is the guarded "
        "code: the engine's safe fixes applied, one model repair round for what they cannot fix; what "
        "remains goes to stderr. Exit 0: clean; 1: errors or syntax errors remain; 2: usage or "
        "backend error; 130: Ctrl-C (nothing written). ",
        epilog='example: spcopilot generate "announce the tank\'s health every 10 seconds" -o tank_hp.sp',
    )
    parser.add_argument("instruction", help='what the plugin should do ("-": read it from stdin)')
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the code to FILE instead of stdout")
    parser.add_argument("--force", action="store_true", help="with -o, replace an existing file")
    parser.add_argument("--json", action="store_true", help="print the result as JSON (code, guard, usage, cost)")
    flags.add_backend_flags(parser)
    parser.set_defaults(func=_lazy("generate", "run_generate"))


def _chat(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "chat",
        help="talk with the model about SourceMod code (answers' code checked by the engine)",
        description="An interactive conversation; each SourcePawn code block of an answer is guarded "
        "(safe fixes applied, findings shown). Commands: /save FILE, /reset, /cost, /help, /quit. ",
    )
    flags.add_backend_flags(parser, repair=False)
    parser.set_defaults(func=_lazy("chat", "run_chat"))


def _batch(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "batch",
        help="generate a plugin per prompt into a folder (resumable; OpenAI Batch API at half price)",
        description="Generate a plugin for every prompt of PROMPTS into DIR: DIR/<id>.sp and DIR/results.jsonl "
        "(id, prompt, guard summary, usage, cost). Prompts already in results.jsonl are skipped, so running "
        "the same command again resumes. ",
        epilog="examples: spcopilot batch prompts.jsonl --output out/ ; "
        "spcopilot batch prompts.jsonl --output out/ --openai-batch --model gpt-4o-mini ; "
        "spcopilot batch --collect out/ --wait",
    )
    parser.add_argument(
        "prompts",
        nargs="?",
        type=Path,
        metavar="PROMPTS",
        help='a JSONL file ({"id"?: ..., "prompt": ...} a line) or a text file with one prompt a line',
    )
    parser.add_argument("--output", "-o", type=Path, metavar="DIR", help="the output folder (created if missing)")
    parser.add_argument(
        "--concurrency",
        "-j",
        type=int,
        help="prompts in flight at once (default: 1 for llamacpp, which shares one model; 4 otherwise)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar or progress lines")
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    api = parser.add_argument_group("OpenAI Batch API")
    api.add_argument(
        "--openai-batch",
        action="store_true",
        help="submit the prompts as one OpenAI Batch API job (half price, answered within 24 h), write "
        "DIR/batch.json and exit; fetch the answers later with --collect DIR",
    )
    api.add_argument(
        "--collect",
        type=Path,
        metavar="DIR",
        help="check a submitted job and, when it is done, guard its answers into DIR",
    )
    api.add_argument("--wait", action="store_true", help="with --collect: poll until the job has finished")
    api.add_argument("--poll-interval", type=float, default=60.0, help="seconds between polls with --wait (default 60)")
    flags.add_backend_flags(parser)
    parser.set_defaults(func=_lazy("batch", "run_batch"))


def _estimate(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "estimate",
        help="tokens and cost of a PROMPTS file before spending anything",
        description="Count the prompt tokens of every prompt (as `generate`/`batch` would send them), assume an "
        "output length, and price both with the model's price and the Batch API's (half). Nothing is sent.",
    )
    parser.add_argument("prompts", type=Path, metavar="PROMPTS", help="a JSONL or text file, as for `batch`")
    parser.add_argument(
        "--expected-output-tokens",
        type=int,
        default=800,
        metavar="N",
        help="assumed answer length in tokens (default 800; capped by --max-tokens)",
    )
    parser.add_argument("--json", action="store_true", help="print the estimate as JSON")
    flags.add_backend_flags(parser, repair=False)
    parser.set_defaults(func=_lazy("estimate", "run_estimate"))


def _info(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "info",
        help="show the AI backend, model, settings and knowledge-base statistics",
        description="Show what the generation commands would use: backend, model, settings (flags over "
        "environment over the [ai] table of .spcopilot.toml), the loaded backend, its price, and the "
        "knowledge base. The API key is never shown. ",
    )
    parser.add_argument("--json", action="store_true", help="print it as JSON")
    flags.add_backend_flags(parser, repair=False)
    parser.set_defaults(func=_lazy("info", "run_info"))
