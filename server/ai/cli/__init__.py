"""The generation commands: `spcopilot generate`, `chat`, `batch`, `estimate`, `info`.

`spcopilot/cli.py` calls `register(subparsers)`; each command lives in its own module and
imports nothing heavy (no model, no SDK) before it runs. Backend and model come from flags, then
the environment, then the `[ai]` table of .spcopilot.toml (flags.py); the OpenAI key only from
OPENAI_API_KEY. Exit codes: 0 ok, 1 findings left in generated code, 2 usage/configuration/
backend error, 130 Ctrl-C.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    from spcopilot.server.ai.cli import parsers

    parsers.register(subparsers)
