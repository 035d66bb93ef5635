"""The AI features on the server: inline completion (LSP 3.18 `textDocument/inlineCompletion`
and the same as the custom request `spcopilot/inlineCompletion` for clients without it), accept/
dismiss feedback, and the generation commands (also offered as code actions). Thin handlers:
the work is in `spcopilot.server.ai`."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from lsprotocol import types
from spcopilot.diagnostics.errors import SpcopilotError
from spcopilot.server.ai.backends.base import Cancelled, CancelToken
from spcopilot.server.ai.commands import comment_instruction, enclosing_span, new_plugin_path
from spcopilot.server.ai.inline.completer import InlineRequest
from spcopilot.server.lsp import convert
from spcopilot.server.lsp.language_server import SpcopilotServer
from spcopilot.server.lsp.progress import Progress

log = logging.getLogger("spcopilot.ai")

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
async def inline_completion(ls: SpcopilotServer, params: Any) -> types.InlineCompletionList | None:
    uri = get(get(params, "text_document", "textDocument"), "uri")
    position = get(params, "position")
    if not isinstance(uri, str) or position is None:
        raise bad_params("expected {textDocument: {uri}, position}")
    ai = ls.ai
    if not ai.enabled or not ai.settings.inline_completion:
        return None
    document = ls.document(uri)
    if document is None:
        return None
    token = ai.start_inline(uri)
    try:
        return await _inline(ls, uri, document, position_of(position), token)
    except asyncio.CancelledError:  # $/cancelRequest: stop the model too
        token.cancel()
        raise
    except Cancelled:
        return None
    except SpcopilotError as error:
        if ai.report_once(error):
            log.warning("inline completion: %s", error)
            ls.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Warning, message=f"spcopilot: {error}")
            )
        return None
    finally:
        ai.finish_inline(uri, token)


async def _inline(
    ls: SpcopilotServer, uri: str, document: Any, position: types.Position, token: CancelToken
) -> types.InlineCompletionList | None:
    ai = ls.ai
    version = document.version
    byte_offset = convert.offset(document, position)
    found = ls.view(uri)
    view = found[1] if found else None
    text = document.text
    offset = len(document.source[:byte_offset].decode("utf-8", "replace"))
    request = InlineRequest(
        text=text,
        offset=offset,
        path=document.path or "",
        tree=document.tree,
        game=view.game.game if view else "l4d2",
        hooked_events=[h.event for h in view.model.hooks if h.event] if view else (),
        lookup=view.lookup if view else None,
        defined_here=view.model.is_defined if view else (lambda _: False),
        scope=_scope(view),
    )
    suggestion = ai.completer.from_cache(request)
    if suggestion is None:
        await asyncio.sleep(ai.completer.debounce_ms() / 1000)
        token.raise_if_cancelled()
        loop = asyncio.get_running_loop()
        suggestion = await loop.run_in_executor(ai.executor, ai.completer.suggest, request, token)
    if suggestion is None or token.cancelled:
        return None
    if document.version != version or ls.document(uri) is not document:
        log.debug("inline suggestion dropped: the document moved on to version %s", document.version)
        return None
    line_end = document.source.find(b"\n", byte_offset)
    rest = document.source[byte_offset : len(document.source) if line_end < 0 else line_end].decode("utf-8", "replace")
    covered = auto_closed_overlap(suggestion.text, rest)
    if covered:
        end_at = document.position(byte_offset + len(covered.encode("utf-8")))
        end = types.Position(end_at.line, end_at.character)
    else:
        end = position
    item = types.InlineCompletionItem(
        insert_text=suggestion.text,
        range=types.Range(position, end),
        command=types.Command(title="", command=ACCEPTED, arguments=[{"id": suggestion.id, "kind": "accept"}]),
    )
    return types.InlineCompletionList(items=[item])


CLOSERS = frozenset(")]}\"';")


def auto_closed_overlap(suggestion: str, rest_of_line: str) -> str:
    """The text after the cursor that the suggestion rewrites: an editor that auto-closes pairs
    leaves `")` after `HookEvent("`, and a suggestion `round_start", E);` already contains those
    characters. When the rest of the line is only such closers and they occur, in order, in the
    suggestion's first line, the item's range covers them (the suggestion replaces them) instead
    of inserting before them and doubling them."""
    rest = rest_of_line.rstrip()
    if not rest or any(c not in CLOSERS for c in rest):
        return ""
    first_line = suggestion.split("\n", 1)[0]
    at = 0
    for c in rest:
        at = first_line.find(c, at) + 1
        if at == 0:
            return ""
    return rest


def _scope(view: Any) -> Any:
    if view is None:
        return None
    from spcopilot.diagnostics.linter import CombinedScope

    return CombinedScope([view.scope] if view.scope is not None else [], names=set(view.model.defined))


def feedback(ls: SpcopilotServer, params: Any) -> None:
    suggestion_id, kind = get(params, "id"), get(params, "kind")
    length = get(params, "accepted_length", "acceptedLength")
    if not isinstance(suggestion_id, str) or not isinstance(kind, str):
        log.info("%s needs {id, kind}: ignored", FEEDBACK_METHOD)
        return
    ls.ai.feedback.record(suggestion_id, kind, int(length) if isinstance(length, (int, float)) else None)


# ---- commands -----------------------------------------------------------------------------------
async def _run_model(ls: SpcopilotServer, title: str, work: Callable[[CancelToken], Any]) -> Any:
    """Run a generation in a worker thread with cancellable $/progress; raise on errors."""
    ai = ls.ai
    if not ai.enabled:
        ai.copilot.backend  # noqa: B018 - raises the "how to configure" message
    token = CancelToken()
    progress = Progress(ls, title)
    await progress.begin("asking the model…", cancellable=True)
    if progress.token is not None:
        cancel_future = ls.work_done_progress.tokens.get(progress.token)
        if cancel_future is not None:
            cancel_future.add_done_callback(lambda _f: token.cancel())
    started = time.perf_counter()
    loop = asyncio.get_running_loop()
    try:
        result = await loop.run_in_executor(ai.executor, work, token)
    except asyncio.CancelledError:
        token.cancel()
        progress.end("cancelled")
        raise
    except Cancelled:
        progress.end("cancelled")
        raise SpcopilotError(f"{title}: cancelled") from None
    except SpcopilotError:
        progress.end("failed")
        raise
    progress.end(f"done in {time.perf_counter() - started:.1f} s")
    return result


async def _apply(ls: SpcopilotServer, edit: types.WorkspaceEdit, label: str) -> bool:
    try:
        answer = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label=label))
    except Exception as error:  # the client cannot apply edits: the result still carries the code
        log.info("workspace/applyEdit failed: %s", error)
        return False
    return bool(answer and answer.applied)


async def generate_plugin(ls: SpcopilotServer, args: Any) -> dict[str, Any]:
    prompt = get(args, "prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise bad_params(f"{GENERATE_PLUGIN} needs {{prompt}}")
    result = await _run_model(ls, "spcopilot: generating a plugin", lambda t: ls.ai.copilot.generate_plugin(prompt, t))
    target = get(args, "uri")
    path = convert.uri_to_path(target) if isinstance(target, str) and target else None
    path = path or str(new_plugin_path(ls.project.root, prompt))
    uri = convert.path_to_uri(path)
    applied = False
    if ls.client.document_changes:
        edit = types.WorkspaceEdit(
            document_changes=[
                types.CreateFile(uri=uri, options=types.CreateFileOptions(overwrite=False, ignore_if_exists=False)),
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
                    edits=[types.TextEdit(types.Range(types.Position(0, 0), types.Position(0, 0)), result.text)],
                ),
            ]
        )
        applied = await _apply(ls, edit, "spcopilot: generate plugin")
    return {"uri": uri, "applied": applied, **_summary(result)}


async def generate_at_cursor(ls: SpcopilotServer, args: Any) -> dict[str, Any]:
    uri, position = get(args, "uri"), get(args, "position")
    if not isinstance(uri, str) or position is None:
        raise bad_params(f"{GENERATE_AT_CURSOR} needs {{uri, position, instruction?}}")
    document = ls.document(uri)
    if document is None:
        raise SpcopilotError(f"{uri} is not open")
    pos = position_of(position)
    offset = convert.offset(document, pos)
    before = document.source[:offset].decode("utf-8", "replace")
    after = document.source[offset:].decode("utf-8", "replace")
    instruction = get(args, "instruction") or comment_instruction(before)
    if not instruction:
        raise SpcopilotError("nothing to generate: give an instruction, or write a // comment above the cursor")
    version = document.version
    result = await _run_model(
        ls,
        "spcopilot: generating at the cursor",
        lambda t: ls.ai.copilot.generate_at_cursor(instruction, before, after, cancel=t, path=document.path or ""),
    )
    applied = False
    if document.version == version and result.text:
        edit = convert.workspace_edit(uri, document, [(offset, offset, result.text)], ls.client)
        applied = await _apply(ls, edit, "spcopilot: generate at cursor")
    return {"uri": uri, "applied": applied, **_summary(result)}


async def explain(ls: SpcopilotServer, args: Any) -> str:
    uri, rng = get(args, "uri"), get(args, "range")
    if not isinstance(uri, str) or rng is None:
        raise bad_params(f"{EXPLAIN} needs {{uri, range}}")
    document = ls.document(uri)
    if document is None:
        raise SpcopilotError(f"{uri} is not open")
    start = convert.offset(document, position_of(get(rng, "start")))
    end = convert.offset(document, position_of(get(rng, "end")))
    code = document.source[min(start, end) : max(start, end)].decode("utf-8", "replace")
    if not code.strip():
        raise SpcopilotError("select the code to explain")
    result = await _run_model(ls, "spcopilot: explaining", lambda t: ls.ai.copilot.explain(code, t))
    return f"{result.text}\n\n_{result.cost_text}_"


async def fix_with_model(ls: SpcopilotServer, args: Any) -> dict[str, Any]:
    uri, diagnostic = get(args, "uri"), get(args, "diagnostic")
    if not isinstance(uri, str) or diagnostic is None:
        raise bad_params(f"{FIX_WITH_MODEL} needs {{uri, diagnostic}}")
    document = ls.document(uri)
    if document is None:
        raise SpcopilotError(f"{uri} is not open")
    rng = get(diagnostic, "range")
    at = convert.offset(document, position_of(get(rng, "start")))
    start, end = enclosing_span(document.tree, document.source, at)
    code = document.source[start:end].decode("utf-8", "replace")
    finding = f"{get(diagnostic, 'code', default='')} {get(diagnostic, 'message', default='')}".strip()
    version = document.version

    def work(token: CancelToken) -> Any:
        from spcopilot.server.ai.service import guard_insertion

        answer = ls.ai.copilot.fix_with_model(code, finding, token)
        before = document.source[:start].decode("utf-8", "replace")
        after = document.source[end:].decode("utf-8", "replace")
        answer.guard = guard_insertion(before, answer.text.rstrip("\n"), after, ls.project.config, document.path or "")
        answer.text = answer.guard.code
        return answer

    result = await _run_model(ls, "spcopilot: fixing with the model", work)
    applied = False
    if document.version == version and result.text.strip():
        edit = convert.workspace_edit(uri, document, [(start, end, result.text)], ls.client)
        applied = await _apply(ls, edit, "spcopilot: fix with the model")
    return {"uri": uri, "applied": applied, **_summary(result)}


async def fix_all(ls: SpcopilotServer, args: Any) -> dict[str, Any]:
    from spcopilot.server.features import code_actions

    uri = get(args, "uri")
    if not isinstance(uri, str):
        raise bad_params(f"{FIX_ALL} needs {{uri}}")
    found = ls.view(uri, with_diagnostics=True)
    if found is None:
        raise SpcopilotError(f"{uri} is not open")
    document, view = found
    action = code_actions.fix_all(view.source, lambda source: ls.project.lint(source, document.path or None))
    if action is None:
        return {"uri": uri, "applied": False, "title": "nothing to fix"}
    edit = convert.workspace_edit(uri, document, action.edits, ls.client)
    applied = await _apply(ls, edit, action.title)
    return {"uri": uri, "applied": applied, "title": action.title}


def info(ls: SpcopilotServer, *_args: Any) -> dict[str, Any]:
    ai = ls.ai
    loaded = ai.copilot.loaded
    return {
        "settings": ai.settings.to_json(),
        "backend": loaded.info() if loaded else {"backend": ai.settings.backend, "loaded": False},
        "session": ai.copilot.ledger.to_json(),
        "inline": {
            "debounce_ms": round(ai.completer.debounce_ms()),
            "model_ms": round(ai.completer.model_ms, 1),
            "cached": len(ai.completer.cache),
        },
    }


def _summary(result: Any) -> dict[str, Any]:
    out = result.to_json()
    out["summary"] = result.guard.summary() if result.guard else ""
    return out


def accepted(ls: SpcopilotServer, args: Any) -> None:
    feedback(ls, args)


def code_action_commands(
    ls: SpcopilotServer, uri: str, rng: types.Range, diagnostics: list[types.Diagnostic]
) -> list[types.CodeAction]:
    """The AI commands offered as code actions (only when a backend is configured)."""
    if not ls.ai.enabled:
        return []

    def action(title: str, command: str, argument: dict[str, Any], kind: str, for_diagnostic: Any = None) -> Any:
        return types.CodeAction(
            title=title,
            kind=kind,
            diagnostics=[for_diagnostic] if for_diagnostic else None,
            command=types.Command(title=title, command=command, arguments=[argument]),
        )

    actions = []
    for d in diagnostics[:3]:
        if str(d.source or "") == "spcopilot":
            argument = {"uri": uri, "diagnostic": {"range": range_json(d.range), "code": d.code, "message": d.message}}
            actions.append(action(f"Fix {d.code} with the model", FIX_WITH_MODEL, argument, "quickfix", d))
    if rng.start != rng.end:
        actions.append(action("Explain the selection", EXPLAIN, {"uri": uri, "range": range_json(rng)}, "refactor"))
    position = {"line": rng.start.line, "character": rng.start.character}
    if not _comment_above(ls, uri, rng.start):
        return actions
    actions.append(
        action(
            "Generate code here (from the comment above)",
            GENERATE_AT_CURSOR,
            {"uri": uri, "position": position},
            "refactor",
        )
    )
    return actions


def _comment_above(ls: SpcopilotServer, uri: str, position: types.Position) -> bool:
    document = ls.project.document(uri)
    if document is None:
        return False
    line_start = convert.offset(document, types.Position(position.line, 0))
    return bool(comment_instruction(document.source[:line_start].decode("utf-8", "replace")))


def range_json(r: types.Range) -> dict[str, Any]:
    return {"start": {"line": r.start.line, "character": r.start.character},
            "end": {"line": r.end.line, "character": r.end.character}}  # fmt: skip


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
