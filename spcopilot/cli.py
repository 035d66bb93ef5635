"""The `spcopilot` command: composes the sub-commands of each layer (each registers its own)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from spcopilot import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spcopilot", description="SourcePawn Copilot: lint, serve and generate SourceMod plugins."
    )
    parser.add_argument("--version", action="version", version=f"spcopilot {__version__}")
    parser.add_argument("--verbose", "-v", action="store_true", help="log more to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    from spcopilot.diagnostics import cli as diagnostics_cli

    diagnostics_cli.register(sub)
    for module in (
        "spcopilot.server.cli",
        "spcopilot.server.ai.cli",
        "spcopilot.training.cli",
        "spcopilot.training.eval.cli",
        "spcopilot.export.cli",
        "spcopilot.server.api.cli",
    ):
        try:
            registrar = __import__(module, fromlist=["register"])
        except ImportError as exc:
            if exc.name and not exc.name.startswith("spcopilot"):
                raise
            continue
        registrar.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from spcopilot.diagnostics.errors import SpcopilotError

    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except SpcopilotError as exc:
        print(f"spcopilot: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("spcopilot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
