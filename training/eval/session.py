"""The model an evaluation talks to: the backend the settings describe, wrapped in a recorder,
behind a `Copilot` (the same service `spcopilot generate` and the editor use).

Evaluations decode greedily (temperature 0) unless `--temperature` is given, so two runs of the
same model score the same; the inline time cap is off (a fill must not depend on how busy the
machine is), and the inline answer length is the benchmark's own (`--fill-tokens`).
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from spcopilot.server.ai.cli import flags
from spcopilot.server.ai.config import AISettings, create_backend
from spcopilot.server.ai.service import Copilot
from spcopilot.training.eval import EVAL_TEMPERATURE
from spcopilot.training.eval.errors import EvalError
from spcopilot.training.eval.recorder import RecordingBackend


def resolve_settings(args: argparse.Namespace, fill_tokens: int | None = None) -> flags.Resolved:
    resolved = flags.resolve(args)
    settings = resolved.settings
    if settings.backend == "none":
        raise EvalError(
            "an evaluation needs a model: pass --gguf FILE (llama.cpp), --model/--base-url (OpenAI-compatible), "
            "or --replay-file FILE (recorded outputs), or set SPCOPILOT_BACKEND"
        )
    changes: dict[str, object] = {"inline_time_cap_ms": 0, "inline_debounce_ms": 0}
    if getattr(args, "temperature", None) is None:
        changes["temperature"] = EVAL_TEMPERATURE
    if fill_tokens is not None:
        changes["inline_max_tokens"] = fill_tokens
    return flags.Resolved(replace(settings, **changes), resolved.config, resolved.file)


def open_copilot(resolved: flags.Resolved) -> tuple[Copilot, RecordingBackend]:
    """Load the model now (configuration errors come before any work)."""
    recorder = RecordingBackend(create_backend(resolved.settings))
    copilot = Copilot(resolved.settings, resolved.config, _backend=recorder,
                      _backend_key=resolved.settings.backend_key())  # fmt: skip
    return copilot, recorder


def describe(settings: AISettings, recorder: RecordingBackend) -> dict[str, object]:
    return {
        "backend": settings.backend,
        "model": recorder.model,
        "temperature": settings.temperature,
        "max_tokens": settings.max_tokens,
    }
