"""An inline-completion request filled in from a document's view, as the language server fills
it for an open document: the parse tree, the game, the events the file hooks, the include
lookup and the names the file and its includes define (so the guard knows them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spcopilot.server.ai.inline.completer import InlineRequest

if TYPE_CHECKING:
    from spcopilot.server.features.view import DocumentView


def request_from_view(
    text: str, offset: int, view: DocumentView | None, tree_is_current: bool = True, path: str = ""
) -> InlineRequest:
    """`text` is the document and `offset` the cursor, a str index into it. `view` is the
    latest analysis of the document: its names and includes are used even when it is of an
    older version (`tree_is_current` False: the user typed on since), its tree only when it is
    of this very text. Without a view the completer works on the text alone."""
    from spcopilot.diagnostics.linter import CombinedScope

    if view is None or view.tree is None:  # not analysed (too large, or not yet)
        return InlineRequest(text, offset, path or (view.path if view else ""))
    scope = CombinedScope([view.scope] if view.scope is not None else [], names=set(view.model.defined))
    return InlineRequest(
        text=text,
        offset=offset,
        path=view.path,
        tree=view.tree if tree_is_current else None,
        game=view.game.game,
        hooked_events=[h.event for h in view.model.hooks if h.event],
        lookup=view.lookup,
        defined_here=view.model.is_defined,
        scope=scope,
    )
