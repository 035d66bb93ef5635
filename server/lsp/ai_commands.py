"""The generation commands on the server (`workspace/executeCommand`, also offered as code
actions): each runs the copilot service in a worker thread with cancellable `$/progress` and
hands its code to the editor as a WorkspaceEdit."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from lsprotocol import types
from spcopilot.diagnostics.errors import SpcopilotError
from spcopilot.server.ai.backends.base import Cancelled, CancelToken
from spcopilot.server.ai.commands import comment_instruction, new_plugin_path
from spcopilot.server.lsp import convert
from spcopilot.server.lsp.ai_inline import feedback
from spcopilot.server.lsp.ai_params import (
    EXPLAIN,
    FIX_ALL,
    FIX_WITH_MODEL,
    GENERATE_AT_CURSOR,
    GENERATE_PLUGIN,
    bad_params,
    get,
    position_of,
)
from spcopilot.server.lsp.language_server import SpcopilotServer
from spcopilot.server.lsp.progress import Progress

log = logging.getLogger("spcopilot.ai")


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


def _open_document(ls: SpcopilotServer, args: Any, field: str, usage: str) -> tuple[str, Any, Any]:
    """The `uri` argument's open document and the command's other argument, or a clear error."""
    uri, value = get(args, "uri"), get(args, field)
    if not isinstance(uri, str) or value is None:
        raise bad_params(usage)
    document = ls.document(uri)
    if document is None:
        raise SpcopilotError(f"{uri} is not open")
    return uri, document, value


async def generate_at_cursor(ls: SpcopilotServer, args: Any) -> dict[str, Any]:
    uri, document, position = _open_document(
        ls, args, "position", f"{GENERATE_AT_CURSOR} needs {{uri, position, instruction?}}"
    )
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
    _, document, rng = _open_document(ls, args, "range", f"{EXPLAIN} needs {{uri, range}}")
    start = convert.offset(document, position_of(get(rng, "start")))
    end = convert.offset(document, position_of(get(rng, "end")))
    code = document.source[min(start, end) : max(start, end)].decode("utf-8", "replace")
    if not code.strip():
        raise SpcopilotError("select the code to explain")
    result = await _run_model(ls, "spcopilot: explaining", lambda t: ls.ai.copilot.explain(code, t))
    return f"{result.text}\n\n_{result.cost_text}_"


async def fix_with_model(ls: SpcopilotServer, args: Any) -> dict[str, Any]:
    from spcopilot.server.ai.commands import enclosing_span

    uri, document, diagnostic = _open_document(ls, args, "diagnostic", f"{FIX_WITH_MODEL} needs {{uri, diagnostic}}")
    rng = get(diagnostic, "range")
    at = convert.offset(document, position_of(get(rng, "start")))
    version = document.version
    span = await ls.on_document(uri, lambda _doc, view: enclosing_span(view.tree, view.source, at))
    start, end = span if span is not None else (0, len(document.source))
    source = document.source
    code = source[start:end].decode("utf-8", "replace")
    finding = f"{get(diagnostic, 'code', default='')} {get(diagnostic, 'message', default='')}".strip()

    timeout = ls.project.settings.analysis_timeout

    def work(token: CancelToken) -> Any:
        from spcopilot.server.ai.service import guard_insertion
        from spcopilot.server.budget import analysis_budget

        answer = ls.ai.copilot.fix_with_model(code, finding, token)
        before = source[:start].decode("utf-8", "replace")
        after = source[end:].decode("utf-8", "replace")
        # (under the analysis budget, as the document's own lint: past it, this fails and says so)
        answer.guard = guard_insertion(
            before, answer.text.rstrip("\n"), after, ls.project.config, document.path or "",
            budget=analysis_budget(timeout),
        )  # fmt: skip
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

    def plan(document: Any, view: Any) -> tuple[str, types.WorkspaceEdit] | None:
        action = code_actions.fix_all(view.source, lambda source: ls.project.lint(source, document.path or None))
        if action is None:
            return None
        return action.title, convert.workspace_edit(uri, document, action.edits, ls.client)

    if ls.document(uri) is None:
        raise SpcopilotError(f"{uri} is not open")
    planned = await ls.on_document(uri, plan, with_diagnostics=True)
    if planned is None:
        return {"uri": uri, "applied": False, "title": "nothing to fix"}
    title, edit = planned
    applied = await _apply(ls, edit, title)
    return {"uri": uri, "applied": applied, "title": title}


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
    document = ls.texts.get(uri)
    if document is None:
        return False
    line_start = convert.offset(document, types.Position(position.line, 0))
    return bool(comment_instruction(document.source[:line_start].decode("utf-8", "replace")))


def range_json(r: types.Range) -> dict[str, Any]:
    return {"start": {"line": r.start.line, "character": r.start.character},
            "end": {"line": r.end.line, "character": r.end.character}}  # fmt: skip
