"""The flags every generation command shares, and the AI settings they resolve to.

Precedence, highest first: command-line flags, environment variables (SPCOPILOT_BACKEND,
SPCOPILOT_GGUF, SPCOPILOT_MODEL, OPENAI_BASE_URL, SPCOPILOT_REPLAY_FILE), the `[ai]` table of
the nearest `.spcopilot.toml` (or `--config FILE`), the defaults of server/settings.py.

```toml
# .spcopilot.toml
[ai]
backend = "llamacpp"
gguf = "models/spcopilot-q4_k_m.gguf"   # relative to this file
max-tokens = 1536
[ai.prices."ft:gpt-4o-mini-2024-07-18:me::abc"]
input = 0.3
output = 1.2
```

The API key is never a flag and never a file key: it comes from OPENAI_API_KEY only (a flag
lands in the shell history, a file in the repository).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spcopilot.diagnostics import config as config_mod
from spcopilot.diagnostics.config import Config
from spcopilot.server.ai.config import BACKENDS, ENV, AISettings, ai_settings, ai_table_of_file

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover
    pass

KEY_NOTE = (
    "The OpenAI key is read only from the OPENAI_API_KEY environment variable, never from a flag "
    "(flags end up in your shell history) or a file."
)
# flag destination -> setting name
FLAG_SETTINGS = {
    "backend": "backend",
    "model": "model",
    "base_url": "base-url",
    "gguf": "gguf",
    "replay_file": "replay-file",
    "threads": "threads",
    "context_size": "context-size",
    "max_tokens": "max-tokens",
    "temperature": "temperature",
    "top_p": "top-p",
    "top_k": "top-k",
    "min_p": "min-p",
    "repeat_penalty": "repeat-penalty",
    "seed": "seed",
    "timeout": "timeout",
    "max_retries": "max-retries",
}


def add_backend_flags(parser: argparse.ArgumentParser, repair: bool = True) -> None:
    group = parser.add_argument_group(
        "model", "Override the `[ai]` table of .spcopilot.toml and the environment. " + KEY_NOTE
    )
    group.add_argument(
        "--backend",
        choices=BACKENDS,
        help="none, llamacpp, openai or replay (default: from env/file; inferred from --gguf, "
        "--replay-file, --model or --base-url when given alone)",
    )
    group.add_argument("--model", help="OpenAI model id, e.g. your ft:gpt-4o-mini-… fine-tune")
    group.add_argument("--base-url", help="an OpenAI-compatible server (Ollama, vLLM, llama.cpp server)")
    group.add_argument("--gguf", type=Path, help="the GGUF model for the llamacpp backend (offline)")
    group.add_argument("--replay-file", type=Path, help="a JSONL of recorded outputs for the replay backend")
    group.add_argument("--threads", type=int, help="CPU threads for llama.cpp (default: half the cores)")
    group.add_argument("--context-size", type=int, help="llama.cpp context length in tokens")
    group.add_argument("--max-tokens", type=int, help="longest answer in tokens (default 2048)")
    group.add_argument("--temperature", type=float, help="sampling temperature (default 0.2; 0: greedy)")
    group.add_argument("--top-p", type=float, help="nucleus sampling probability mass (default 0.95; 1: off)")
    group.add_argument("--top-k", type=int, help="keep the k likeliest tokens (default 40; 0: off)")
    group.add_argument("--min-p", type=float, help="drop tokens below this share of the likeliest (default 0.05)")
    group.add_argument("--repeat-penalty", type=float, help="penalty for repeated tokens (default 1.1; 1: off)")
    group.add_argument(
        "--seed", type=int, help="sampling seed for repeatable answers (default 0: a new seed each time)"
    )
    group.add_argument("--timeout", type=float, help="seconds to wait for an OpenAI-compatible server")
    group.add_argument("--max-retries", type=int, help="retries on 429/5xx and dropped connections (default 2)")
    group.add_argument("--config", type=Path, help="a .spcopilot.toml (default: the nearest one above the cwd)")
    if repair:
        group.add_argument(
            "--no-repair",
            action="store_true",
            help="no model repair round for findings the engine cannot fix (the guard still runs)",
        )


@dataclass(frozen=True, slots=True)
class Resolved:
    settings: AISettings
    config: Config  # the engine's configuration (the guard lints with it)
    file: Path | None  # the .spcopilot.toml read, if any


def resolve(args: argparse.Namespace, environ: Mapping[str, str] | None = None, start: Path | None = None) -> Resolved:
    """The settings of this run: flags over environment over the file's `[ai]` table."""
    environ = os.environ if environ is None else environ
    path = getattr(args, "config", None) or config_mod.find_config_file(start or Path.cwd())
    file_ai: dict[str, Any] = {}
    config = Config()
    if path is not None:
        config, file_ai = load_config_file(path)
    values = {k: v for k, v in file_ai.items() if not (k in ENV and environ.get(ENV[k]))}
    flags = {key: getattr(args, dest) for dest, key in FLAG_SETTINGS.items() if getattr(args, dest, None) is not None}
    if "backend" not in flags and not environ.get(ENV["backend"]) and "backend" not in file_ai:
        inferred = infer_backend(flags)
        if inferred:
            flags["backend"] = inferred
    values.update(flags)
    return Resolved(ai_settings(values, environ), config, path)


def infer_backend(flags: Mapping[str, Any]) -> str | None:
    """`--gguf X` alone means llamacpp, `--replay-file X` replay, `--model`/`--base-url` openai."""
    found = {
        name
        for name, keys in (("llamacpp", ("gguf",)), ("replay", ("replay-file",)), ("openai", ("model", "base-url")))
        if any(k in flags for k in keys)
    }
    return found.pop() if len(found) == 1 else None


def load_config_file(path: Path) -> tuple[Config, dict[str, Any]]:
    """The engine's configuration and the normalised `[ai]` table of one .spcopilot.toml."""
    return config_mod.load_file(path), ai_table_of_file(path)


def env_in_use(environ: Mapping[str, str] | None = None) -> list[str]:
    """The environment variables that set AI settings in this run (names only)."""
    environ = os.environ if environ is None else environ
    names = [*ENV.values(), "OPENAI_API_KEY"]
    return [n for n in names if environ.get(n)]
