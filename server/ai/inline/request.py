"""An inline-completion request filled in from a document's view, as the language server fills
it for an open document: the parse tree, the game, the events the file hooks, the include
lookup and the names the file and its includes define (so the guard knows them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spcopilot.server.ai.inline.completer import InlineRequest

if TYPE_CHECKING:
    from spcopilot.server.features.view import DocumentView


def request_from_view(text: str, offset: int, view: DocumentView) -> InlineRequest:
    """`text` is the view's document and `offset` the cursor, a str index into it."""
    from spcopilot.diagnostics.linter import CombinedScope

    if view.tree is None:  # not analysed (too large): the completer works without a tree
        return InlineRequest(text, offset, view.path)
    scope = CombinedScope([view.scope] if view.scope is not None else [], names=set(view.model.defined))
    return InlineRequest(
        text=text,
        offset=offset,
        path=view.path,
        tree=view.tree,
        game=view.game.game,
        hooked_events=[h.event for h in view.model.hooks if h.event],
        lookup=view.lookup,
        defined_here=view.model.is_defined,
        scope=scope,
    )
