"""/v1/complete without HTTP. Three ways to ask, each an existing path of the copilot:

- `prompt` alone (instruction): code for the instruction, through the service's at-cursor task
  with no code around it; the guard checks the snippet;
- `prefix` (+ `suffix`) without a prompt (fill): the editor's inline completion, unchanged: the
  model's own fill-in-the-middle format, the window, the context (hooked events, natives near
  the cursor), the stops, the filters and the guard of the suggestion in its function (a
  suggestion that keeps an error is withheld, as the editor would not show it);
- `prompt` with `prefix`/`suffix` (at_cursor): the instruction at the cursor, guarded in place.

Blocking: runs on a model worker thread (model_calls.py) with the request's CancelToken.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from spcopilot.diagnostics.parsing import parse
from spcopilot.diagnostics.rules import rule_by_code
from spcopilot.server.ai.backends.base import CancelToken, Usage
from spcopilot.server.ai.cost import describe_cost, price_of
from spcopilot.server.ai.inline.completer import InlineSuggestion
from spcopilot.server.ai.inline.request import request_from_view
from spcopilot.server.api.answers import code_answer, usage_json
from spcopilot.server.api.checking import file_name
from spcopilot.server.api.schemas import CompleteRequest

if TYPE_CHECKING:
    from spcopilot.diagnostics.linter import Linter
    from spcopilot.server.api.runtime import ApiRuntime
    from spcopilot.server.features.view import DocumentView

WITHHELD = (
    "no suggestion: the model's answer was empty after the filters, or kept an error the guard "
    "could not fix (the editor would not show it either)"
)


def complete_code(
    runtime: ApiRuntime, request: CompleteRequest, max_tokens: int | None, cancel: CancelToken
) -> dict[str, Any]:
    name = file_name(request.path)
    if request.prompt is not None:
        mode = "instruction" if request.prefix is None and not request.suffix else "at_cursor"
        result = runtime.copilot.generate_at_cursor(
            request.prompt, request.prefix or "", request.suffix, cancel=cancel, path=name, max_tokens=max_tokens
        )
        return code_answer(result) | {"mode": mode, "cached": False, "note": ""}
    return fill(runtime, request.prefix or "", request.suffix, name, cancel)


def fill(runtime: ApiRuntime, prefix: str, suffix: str, name: str, cancel: CancelToken) -> dict[str, Any]:
    """The editor's inline completion at the cursor between `prefix` and `suffix`."""
    text = prefix + suffix
    with runtime.engine_lock:
        inline = request_from_view(text, len(prefix), scratch_view(runtime.linter, text, name))
    suggestion = runtime.completer.suggest(inline, cancel)
    return fill_answer(runtime, suggestion)


def fill_answer(runtime: ApiRuntime, suggestion: InlineSuggestion | None) -> dict[str, Any]:
    backend, settings = runtime.copilot.backend, runtime.settings
    usage = suggestion.usage if suggestion is not None else Usage()
    price = price_of(backend.model, backend.name, settings.prices)
    cost = price.cost(usage)
    fixed = [{"code": code, "message": _summary(code)} for code in (suggestion.fixed if suggestion else ())]
    return {
        "mode": "fill",
        "code": suggestion.text if suggestion else "",
        "guard": {"clean": True, "remaining": [], "fixed": fixed, "syntax": [], "repaired_by_model": False},
        "usage": usage_json(usage),
        "cost_usd": round(cost, 6),
        "cost": describe_cost(usage, cost, price),
        "model": backend.model,
        "finish_reason": "stop",
        "cached": bool(suggestion and suggestion.cached),
        "note": "" if suggestion else WITHHELD,
    }


def scratch_view(linter: Linter, text: str, name: str) -> DocumentView:
    """What the editor's features would see of `text` open as `name` in the server's working
    folder: the tree, the include scope from the linter's include folders, the game's events."""
    from spcopilot.server.features.view import DocumentView

    source = text.encode("utf-8")
    index = linter.index_for(Path(name))
    return DocumentView(
        source,
        parse(source),
        name,
        linter.config,
        scope_of=lambda model: index.scope(name, model.includes),
        events=linter.events,
    )


def _summary(code: str) -> str:
    rule = rule_by_code(code)
    return rule.summary if rule else code
