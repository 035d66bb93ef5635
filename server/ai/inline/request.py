"""An inline-completion request filled in from a document's view, as the language server fills
it for an open document: the parse tree, the game, the events the file hooks, the include
lookup, the names the file and its includes define (so the guard knows them), and the catalogue
names the string under the cursor must be (constrained decoding)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from spcopilot.server.ai.backends.base import StringChoice
from spcopilot.server.ai.inline.completer import WHOLE_TEXT_LIMIT, InlineRequest

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
        return InlineRequest(text, offset, path or (view.path if view else ""), choice=_choice(text, offset, None),
                             choice_after=_choice_after(text, offset, None))  # fmt: skip
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
        choice=_choice(text, offset, view if tree_is_current else None, view),
        choice_after=_choice_after(text, offset, view),
    )


# A stale view's file is parsed again for the names a string must be only up to the size the
# guard parses whole (completer.WHOLE_TEXT_LIMIT); larger files get no constraint until the
# analysis catches up.


def _choice(
    text: str, offset: int, current: DocumentView | None, older: DocumentView | None = None
) -> StringChoice | None:
    """The catalogue names the string at the cursor must be, from the cursor analysis (tree and
    semantic model) of a view of this very text: `current` when the analysis has one. Otherwise
    (it has not caught up with the last keystrokes, or not analysed the file yet), when the cursor's
    line opens a string before it, the text is parsed into a view of its own for that, with the
    older view's configuration, includes and events when there is one."""
    from spcopilot.diagnostics.parsing import parse
    from spcopilot.server.features.completion import STRING_CHOICE_CALLS, string_choice
    from spcopilot.server.features.cursor import cursor_at
    from spcopilot.server.features.view import DocumentView

    source = text.encode("utf-8")
    at = len(text[:offset].encode("utf-8"))
    if current is not None:
        return string_choice(current, at)
    line_start = source.rfind(b"\n", 0, at) + 1
    if len(source) > WHOLE_TEXT_LIMIT:
        return None
    cursor = cursor_at(source, at, start=line_start)  # (only a gate: the parse below decides)
    if not cursor.in_string or cursor.call is None or cursor.call.name not in STRING_CHOICE_CALLS:
        return None
    if older is None:
        return string_choice(DocumentView(source, parse(source)), at)
    fresh = DocumentView(source, parse(source), older.path, older.config, scope_of=older.scope_of, events=older.events)
    return string_choice(fresh, at)


def _choice_after(text: str, offset: int, older: DocumentView | None) -> Callable[[str], StringChoice | None]:
    """For a string the suggestion opens itself: the text with what was generated so far inserted
    at the cursor, analysed as above (parsed only when the quote opens a string argument of one of
    the calls that take a catalogue name)."""
    before, after = text[:offset], text[offset:]

    def choice_after(generated: str) -> StringChoice | None:
        return _choice(before + generated + after, offset + len(generated), None, older)

    return choice_after
