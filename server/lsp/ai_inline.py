"""Inline completion on the server: LSP 3.18 `textDocument/inlineCompletion` and the same as
`spcopilot/inlineCompletion`, and the accept/dismiss feedback. The work is in
`spcopilot.server.ai.inline`; this adds the debounce, the cancel of the previous request, the
document-version check and the item's range."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types
from spcopilot.diagnostics.errors import SpcopilotError
from spcopilot.server.ai.backends.base import Cancelled, CancelToken
from spcopilot.server.ai.inline.auto_close import auto_closed_overlap
from spcopilot.server.ai.inline.request import request_from_view
from spcopilot.server.lsp import convert
from spcopilot.server.lsp.ai_params import ACCEPTED, FEEDBACK_METHOD, bad_params, get, position_of
from spcopilot.server.lsp.language_server import SpcopilotServer

log = logging.getLogger("spcopilot.ai")


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
    text = document.text
    offset = len(document.source[:byte_offset].decode("utf-8", "replace"))
    # Never wait for the analysis thread (it may be linting): use the latest view it built,
    # its tree only when it is of this very text.
    view = ls.latest_view(uri)
    current = view is not None and view.version == version
    loop = asyncio.get_running_loop()
    request = await loop.run_in_executor(
        ai.executor, lambda: request_from_view(text, offset, view, current, document.path)
    )
    suggestion = ai.completer.from_cache(request)
    if suggestion is None:
        await asyncio.sleep(ai.completer.debounce_ms() / 1000)
        token.raise_if_cancelled()
        latest = ls.latest_view(uri)
        if not current and latest is not None and latest.version == version:
            # The analysis caught up during the debounce: its tree, and what it says of the cursor
            # (the catalogue names a string there must be), are of this very text now.
            request = await loop.run_in_executor(
                ai.executor, lambda: request_from_view(text, offset, latest, True, document.path)
            )
        suggestion = await loop.run_in_executor(ai.executor, ai.completer.suggest, request, token)
    if suggestion is None or token.cancelled:
        return None
    if document.version != version or ls.texts.get(uri) is not document:
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


def feedback(ls: SpcopilotServer, params: Any) -> None:
    suggestion_id, kind = get(params, "id"), get(params, "kind")
    length = get(params, "accepted_length", "acceptedLength")
    if not isinstance(suggestion_id, str) or not isinstance(kind, str):
        log.info("%s needs {id, kind}: ignored", FEEDBACK_METHOD)
        return
    ls.ai.feedback.record(suggestion_id, kind, int(length) if isinstance(length, (int, float)) else None)


# ---- commands -----------------------------------------------------------------------------------
