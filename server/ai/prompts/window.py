"""Prefix/suffix windows cut to a token budget at line boundaries.

The prefix window's first line is snapped to a multiple of `ANCHOR_LINES`, so while the user
types on one line (or a few lines down) the prompt's start, and everything up to the current
line, stays byte-identical between requests: llama.cpp then re-evaluates only the tail of the
prompt (its KV cache keeps the longest common token prefix).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

ANCHOR_LINES = 32
CountTokens = Callable[[str], int]


@dataclass(frozen=True, slots=True)
class Window:
    prefix: str  # from a line start up to the cursor (the current line's text before the cursor included)
    suffix: str  # from the cursor to a line end
    first_line: int  # 0-based line where the prefix starts
    prefix_cut: bool  # lines before first_line were left out
    suffix_cut: bool

    @property
    def current_line_prefix(self) -> str:
        return self.prefix.rsplit("\n", 1)[-1]

    @property
    def stable_prefix(self) -> str:
        """Everything before the current line: the part kept byte-stable while typing on it."""
        return self.prefix[: len(self.prefix) - len(self.current_line_prefix)]


def cut_window(
    text: str,
    offset: int,
    count_tokens: CountTokens,
    prefix_budget: int = 1536,
    suffix_budget: int = 512,
    anchor: int = ANCHOR_LINES,
) -> Window:
    """`offset` is a str index into `text` (the cursor)."""
    offset = max(0, min(offset, len(text)))
    before, after = text[:offset], text[offset:]
    head_lines = before.split("\n")
    current = head_lines.pop()  # text of the cursor's line before the cursor
    budget = prefix_budget - count_tokens(current)
    start = len(head_lines)
    while start > 0:
        cost = count_tokens(head_lines[start - 1] + "\n")
        if cost > budget:
            break
        budget -= cost
        start -= 1
    if start > 0:  # snap the cut forward to an anchor line: stable across nearby requests
        start = min(-(-start // anchor) * anchor, len(head_lines))
    prefix = "".join(line + "\n" for line in head_lines[start:]) + current

    tail_lines = after.split("\n")
    budget = suffix_budget - count_tokens(tail_lines[0])
    end = 1
    while end < len(tail_lines):
        cost = count_tokens("\n" + tail_lines[end])
        if cost > budget:
            break
        budget -= cost
        end += 1
    suffix = "\n".join(tail_lines[:end])
    return Window(prefix, suffix, start, start > 0, end < len(tail_lines))
