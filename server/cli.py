"""`spcopilot serve`: the language server on stdio, or on TCP for debugging.

The top-level `spcopilot` command calls `register(subparsers)`; `main()` runs the server
alone (`python -m spcopilot.server.lsp`). Nothing heavy is imported before the command runs.
"""

from __future__ import annotations

import argparse
import faulthandler
import os
import signal
import sys
from collections.abc import Sequence

from spcopilot.diagnostics.errors import SpcopilotError

DEFAULT_HOST = "127.0.0.1"


def register(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="run the language server (LSP on stdio)",
        description="Run the SourcePawn Copilot language server. Editors start it with `spcopilot serve` and talk LSP over stdin/stdout.",
    )
    add_arguments(serve)
    serve.set_defaults(func=run_serve)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tcp",
        metavar="HOST:PORT",
        help=f"listen on TCP instead of stdio (for debugging; HOST defaults to {DEFAULT_HOST})",
    )
    parser.add_argument(
        "--no-supervisor",
        action="store_true",
        help="run the server in this process: no restart after a crash or hang in native code (the default on stdio is a supervisor process that restarts it)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)  # the supervisor's child
    parser.add_argument(
        "--log-level",
        choices=("error", "warning", "info", "debug"),
        default=None,
        help="what goes to stderr (default: warning; the editor's log follows the log-level setting)",
    )


def parse_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "", text
    try:
        number = int(port)
    except ValueError:
        raise SpcopilotError(f"--tcp {text!r}: expected HOST:PORT, e.g. 127.0.0.1:2087") from None
    if not 0 < number < 65536:
        raise SpcopilotError(f"--tcp {text!r}: the port must be between 1 and 65535")
    return host or DEFAULT_HOST, number


def run_serve(args: argparse.Namespace) -> int:
    import logging

    address = parse_address(args.tcp) if args.tcp else None
    level = (args.log_level or "warning").upper()
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in root.handlers:
        handler.setLevel(level)
    if hasattr(signal, "SIGUSR1"):  # `kill -USR1 PID` prints every thread's stack to stderr
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    if address is None and not (args.no_supervisor or args.child) and os.name == "posix":
        from spcopilot.server.lsp.supervisor import supervised

        child = [sys.executable, "-m", "spcopilot.server.lsp", "--child"]
        return supervised(child + (["--log-level", args.log_level] if args.log_level else []))()
    if args.child:  # beat before the slow imports: the supervisor is waiting for a sign of life
        from spcopilot.server.lsp.markers import Markers

        Markers.from_environment().start_heartbeat()
    from spcopilot.server.lsp import stalls

    stalls.start_from_environment()  # (SPCOPILOT_STALL_LOG: what holds the interpreter lock, stalls.py)
    from spcopilot.diagnostics.semantic import heap
    from spcopilot.server.lsp.analysis import SWITCH_INTERVAL_S
    from spcopilot.server.lsp.server import create_server

    heap.ENABLED = True  # the process is the server's own: settle its heap after bulk reads (heap.py)
    sys.setswitchinterval(SWITCH_INTERVAL_S)  # (and hand the interpreter lock over sooner: analysis.py)
    server = create_server()
    # What starting made (~60,000 objects: the modules, the protocol's types) is there for good:
    # freeze it, so that each full collection, which stops every thread, walks only what the
    # documents made since (~16 ms less a pause on an idle core).
    heap.settle()
    if address is not None:
        logging.getLogger("spcopilot.server").warning("listening on %s:%d", *address)
        server.start_tcp(*address)
    else:
        server.start_io()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="spcopilot serve", description="SourcePawn Copilot language server")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run_serve(args)
    except SpcopilotError as error:
        print(f"spcopilot serve: error: {error}", file=sys.stderr)
        return 2
