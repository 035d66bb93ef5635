"""The AI features' LSP names and the reading of their params (typed params, dicts, or pygls's
namedtuples of custom methods)."""

from __future__ import annotations

from typing import Any

from lsprotocol import types
from spcopilot.diagnostics.errors import SpcopilotError

INLINE_METHOD = "spcopilot/inlineCompletion"
FEEDBACK_METHOD = "spcopilot/inlineCompletionFeedback"
ACCEPTED = "spcopilot.inlineAccepted"
GENERATE_PLUGIN = "spcopilot.generatePlugin"
GENERATE_AT_CURSOR = "spcopilot.generateAtCursor"
EXPLAIN = "spcopilot.explain"
FIX_WITH_MODEL = "spcopilot.fixWithModel"
FIX_ALL = "spcopilot.fixAll"
INFO = "spcopilot.info"
COMMANDS = (ACCEPTED, GENERATE_PLUGIN, GENERATE_AT_CURSOR, EXPLAIN, FIX_WITH_MODEL, FIX_ALL, INFO)


def get(obj: Any, *names: str, default: Any = None) -> Any:
    """A field of typed params, a dict or pygls's namedtuple of a custom method (camelCase)."""
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if not isinstance(obj, dict) and hasattr(obj, name):
            return getattr(obj, name)
    return default


def position_of(obj: Any) -> types.Position:
    return types.Position(line=int(get(obj, "line", default=0)), character=int(get(obj, "character", default=0)))


def bad_params(message: str) -> SpcopilotError:
    return SpcopilotError(f"invalid arguments: {message}")


# ---- inline completion ------------------------------------------------------------------------
