"""`spcopilot generate "…" [-o FILE]`: one plugin from an instruction, through the guard.

The code printed (or written) is the guarded code: the engine's safe fixes applied, one model
repair round for what they cannot fix (unless --no-repair). What remains goes to stderr in the
engine's text format. Exit 0: clean; 1: error-severity findings or syntax errors remain;
2: usage, configuration or backend error; 130: Ctrl-C (nothing written).
"""

from __future__ import annotations

import argparse
import json
import sys

from spcopilot.diagnostics.errors import InputError
from spcopilot.server.ai.backends.base import CancelToken
from spcopilot.server.ai.cli import flags
from spcopilot.server.ai.cli.atomic_write import check_new_file, write_atomic
from spcopilot.server.ai.cli.findings import guard_report
from spcopilot.server.ai.cli.interrupt import EXIT_INTERRUPTED, Interrupted, run_cancellable
from spcopilot.server.ai.service import Copilot

DEFAULT_NAME = "generated.sp"


def run_generate(args: argparse.Namespace) -> int:
    instruction = sys.stdin.read() if args.instruction == "-" else args.instruction
    if not instruction.strip():
        raise InputError("the instruction is empty")
    if args.output is not None:
        check_new_file(args.output, args.force)  # before spending anything
    resolved = flags.resolve(args)
    copilot = Copilot(resolved.settings, resolved.config)
    name = args.output.name if args.output is not None else DEFAULT_NAME
    token = CancelToken()
    streaming = sys.stderr.isatty()
    try:
        _ = copilot.backend  # load the model / open the client now: configuration errors first
        try:
            result = run_cancellable(
                lambda: copilot.generate_plugin(
                    instruction, token, _stream_to_stderr if streaming else None, name, repair=not args.no_repair
                ),
                [token],
            )
        except Interrupted:
            print("spcopilot: cancelled; nothing was written", file=sys.stderr)
            return EXIT_INTERRUPTED
        finally:
            if streaming:
                print(file=sys.stderr)
    finally:
        copilot.close()
    checked = result.guard
    assert checked is not None  # generate_plugin always guards
    if args.output is not None:
        write_atomic(args.output, result.text)
    if args.json:
        print(json.dumps(result.to_json() | {"path": str(args.output) if args.output else None}, indent=2))
    elif args.output is None:
        sys.stdout.write(result.text)
        sys.stdout.flush()
    print(guard_report(checked, str(args.output or name), color=sys.stderr.isatty()), file=sys.stderr)
    if result.finish_reason in ("length", "time"):
        print(f"note: the answer was cut ({result.finish_reason}); raise --max-tokens", file=sys.stderr)
    print(f"usage: {result.cost_text} ({result.model})", file=sys.stderr)
    if args.output is not None:
        print(f"wrote {args.output}", file=sys.stderr)
    return 0 if checked.clean else 1


def _stream_to_stderr(piece: str) -> None:
    sys.stderr.write(piece)
    sys.stderr.flush()
