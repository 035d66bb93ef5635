"""The AI features on the server: inline completion (ai_inline.py) and the generation commands
(ai_commands.py), registered here. Thin handlers: the work is in `spcopilot.server.ai`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from lsprotocol import types
from spcopilot.server.lsp.ai_commands import (
    accepted,
    code_action_commands,
    explain,
    fix_all,
    fix_with_model,
    generate_at_cursor,
    generate_plugin,
    info,
)
from spcopilot.server.lsp.ai_inline import feedback, inline_completion
from spcopilot.server.lsp.ai_params import (
    ACCEPTED,
    EXPLAIN,
    FEEDBACK_METHOD,
    FIX_ALL,
    FIX_WITH_MODEL,
    GENERATE_AT_CURSOR,
    GENERATE_PLUGIN,
    INFO,
    INLINE_METHOD,
)
from spcopilot.server.lsp.language_server import SpcopilotServer

__all__ = ["code_action_commands", "register"]


def register(server: SpcopilotServer, feature: Callable[..., Any]) -> None:
    inline_options = types.InlineCompletionOptions()
    feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, inline_options)(inline_completion)
    feature(INLINE_METHOD)(inline_completion)
    feature(FEEDBACK_METHOD)(feedback)
    handlers: dict[str, Callable[..., Any]] = {
        ACCEPTED: accepted,
        GENERATE_PLUGIN: generate_plugin,
        GENERATE_AT_CURSOR: generate_at_cursor,
        EXPLAIN: explain,
        FIX_WITH_MODEL: fix_with_model,
        FIX_ALL: fix_all,
        INFO: info,
    }
    for name, handler in handlers.items():
        server.command(name)(_command(handler))


def _command(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Commands take one object argument (or none)."""
    from spcopilot.server.lsp.server import guarded

    if asyncio.iscoroutinefunction(handler):

        async def run_async(ls: SpcopilotServer, *args: Any) -> Any:
            return await handler(ls, args[0] if args else {})

        run_async.__name__ = handler.__name__
        return guarded(run_async)

    def run(ls: SpcopilotServer, *args: Any) -> Any:
        return handler(ls, args[0] if args else {})

    run.__name__ = handler.__name__
    return guarded(run)
