"""SourcePawn stop sequences: where a suggestion ends.

Never a bare `//` (comments are code too) and never a bare newline in multi-line mode. A blank
line ends a suggestion (suggestions come a block at a time); so does the start of the next
top-level item.
"""

from __future__ import annotations

TOP_LEVEL_STARTS = (
    "public ",
    "stock ",
    "static ",
    "methodmap ",
    "enum ",
    "native ",
    "forward ",
    "#include",
    "#pragma",
    "#define",
    "Action ",
    "void ",
)

MULTI_LINE = ("\n\n", *(f"\n{start}" for start in TOP_LEVEL_STARTS))
SINGLE_LINE = ("\n",)


def stop_sequences(multi_line: bool, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    return (MULTI_LINE if multi_line else SINGLE_LINE) + extra
