"""`spcopilot api`: the REST API and the playground, on uvicorn.

    spcopilot api [--host 127.0.0.1] [--port 8000] [model flags as `spcopilot generate`] [limits]

The model settings resolve as for the generation commands (flags > environment > `[ai]` of
.spcopilot.toml); the backend is loaded before the server listens, so a missing model or key
stops the start with a message (exit 2), as does a bind address other machines can reach
without SPCOPILOT_API_TOKEN. On start it prints `spcopilot api: listening on http://HOST:PORT`
to stderr (with `--port 0`, the port the system chose). Nothing here imports FastAPI before the
command runs.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys

from spcopilot.diagnostics.errors import SpcopilotError
from spcopilot.server.ai.cli import flags
from spcopilot.server.api.errors import RedactingFilter, Redactor
from spcopilot.server.api.limits import Limits

DEFAULTS = Limits()
INSTALL_HINT = 'the REST API needs FastAPI and uvicorn: pip install "sourcepawn-copilot[api]"'


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "api",
        help="serve the REST API and the web playground",
        description="Serve the copilot over HTTP (FastAPI): /v1/check, /v1/complete, /v1/generate-plugin, "
        "OpenAI-compatible /v1/chat/completions, /health, /openapi.json, and a playground page at /. "
        "Listens on 127.0.0.1 unless told otherwise; any other address needs SPCOPILOT_API_TOKEN.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: any free port)")
    parser.add_argument(
        "--log-level", choices=("error", "warning", "info", "debug"), default="info", help="stderr log (default info)"
    )
    flags.add_backend_flags(parser)
    limits = parser.add_argument_group("limits", "What one request may ask of the server.")
    limits.add_argument("--max-body-kb", type=int, default=DEFAULTS.max_body_bytes // 1024,
                        help=f"largest request body, KiB (default {DEFAULTS.max_body_bytes // 1024}; 413 beyond)")  # fmt: skip
    limits.add_argument("--max-tokens-limit", type=int, default=DEFAULTS.max_tokens,
                        help=f"largest max_tokens a request may ask for (default {DEFAULTS.max_tokens}; 400 beyond)")  # fmt: skip
    limits.add_argument("--per-client", type=int, default=DEFAULTS.concurrent_per_client,
                        help=f"model requests one client address may run at once (default "
                             f"{DEFAULTS.concurrent_per_client}; 429 beyond)")  # fmt: skip
    limits.add_argument("--request-timeout", type=float, default=DEFAULTS.timeout_s,
                        help=f"seconds a model request may take (default {DEFAULTS.timeout_s:g}; 504 and the model "
                             "is stopped beyond)")  # fmt: skip
    limits.add_argument("--check-timeout", type=float, default=DEFAULTS.check_timeout_s,
                        help=f"seconds a /v1/check may take (default {DEFAULTS.check_timeout_s:g}; 504 and its worker "
                             "process is replaced beyond)")  # fmt: skip
    parser.set_defaults(func=run_api)


def run_api(args: argparse.Namespace) -> int:
    from spcopilot.server.api.security import TOKEN_ENV, check_bind

    token = os.environ.get(TOKEN_ENV, "").strip() or None
    check_bind(args.host, token)
    try:
        import uvicorn
        from spcopilot.server.api.app import create_app
    except ImportError as exc:
        if exc.name and exc.name.startswith("spcopilot"):
            raise
        raise SpcopilotError(INSTALL_HINT) from None
    from spcopilot.server.api.runtime import ApiRuntime

    limits = Limits(
        args.max_body_kb * 1024, args.max_tokens_limit, args.per_client, args.request_timeout, args.check_timeout
    )
    resolved = flags.resolve(args)
    redactor = Redactor([resolved.settings.api_key, os.environ.get("OPENAI_API_KEY"), token])
    _configure_logging(args.log_level, redactor)
    listener = listen(args.host, args.port)
    runtime: ApiRuntime | None = None
    try:
        runtime = ApiRuntime.start(resolved.settings, resolved.config, limits, not args.no_repair, redactor,
                                   auth=token is not None)  # fmt: skip
        app = create_app(runtime, token, args.host)
        config = uvicorn.Config(
            app,
            log_config=None,  # our handlers, with the secrets filter
            log_level=args.log_level,
            server_header=False,
            proxy_headers=False,  # X-Forwarded-For from a local client must not pick its client address
            timeout_graceful_shutdown=5,
        )
        print(f"spcopilot api: listening on {url_of(listener)} (playground: /, schema: /openapi.json)",
              file=sys.stderr, flush=True)  # fmt: skip
        uvicorn.Server(config).run(sockets=[listener])
    finally:
        if runtime is not None:
            runtime.close()  # (the app's shutdown did, unless the server never started)
        listener.close()
    return 0


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: one the system picks), or a clear error."""
    if not 0 <= port <= 65535:
        raise SpcopilotError(f"--port {port}: between 0 and 65535")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]  # fmt: skip
        listener = socket.socket(family, kind, proto)
    except OSError as exc:
        raise SpcopilotError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(2048)
    except OSError as exc:
        listener.close()
        raise SpcopilotError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return listener


def url_of(listener: socket.socket) -> str:
    host, port = listener.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _configure_logging(level: str, redactor: Redactor) -> None:
    """stderr at `level`, every line through the secrets filter (uvicorn's loggers included)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(stream=sys.stderr)
    root.setLevel(level.upper())
    for handler in root.handlers:
        handler.setLevel(level.upper())
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(RedactingFilter(redactor))
