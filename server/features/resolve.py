"""Which symbols the word under the cursor names (a plain name, or a member after `x.`):
shared by hover and go to definition."""

from __future__ import annotations

from spcopilot.diagnostics.include_symbols import Symbol
from spcopilot.server.features.completion import type_of
from spcopilot.server.features.cursor import receiver_before, word_at
from spcopilot.server.features.view import DocumentView


def symbols_at(view: DocumentView, offset: int) -> tuple[int, int, list[Symbol]]:
    """(start, end) of the word at `offset` and the symbols it may name (empty if none)."""
    start, end = word_at(view.source, offset)
    if start == end:
        return start, end, []
    name = view.source[start:end].decode("utf-8", "replace")
    receiver = receiver_before(view.source, start)
    if receiver is not None:
        type_name = type_of(view, receiver, offset)
        return start, end, [m for m in view.members(type_name) if m.name == name] if type_name else []
    return start, end, view.lookup(name)
