"""Editors that auto-close pairs leave `")` after the cursor when the user types `HookEvent("`.
A suggestion that already contains those characters replaces them rather than doubling them: the
language server's item range covers them, and the inline guard checks the code that way."""

from __future__ import annotations

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
