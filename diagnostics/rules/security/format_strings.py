"""SourceMod format strings: the literal of a Format-like call, its conversions and the argument
each one consumes, and whether the text looks like an SQL statement."""

from __future__ import annotations

import re

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.rules.timers import function_body as fb
from tree_sitter import Node

_CONVERSION = re.compile(r"%(?:%|[-+ 0#]*\d*(?:\.\d+)?([a-zA-Z]))")
# Statements, not words: "Please select a team" or "updated" in a chat message must not match.
_SQL = re.compile(
    r"\bselect\b.+?\bfrom\b|\binsert\s+(?:ignore\s+|or\s+\w+\s+)?into\b|\bupdate\b.+?\bset\b|\bdelete\s+from\b"
    r"|\breplace\s+into\b|\bwhere\s+`?\w+`?\s*(?:=|like\b)",
    re.IGNORECASE | re.DOTALL,
)


def literal_parts(node: Node | None) -> list[Node] | None:
    """The string literals of a literal or of `"a" ... "b"` concatenations; None otherwise.
    (Iterative: a chain of thousands of concatenations is one deep tree.)"""
    parts: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current is None:
            return None
        if current.type == "string_literal":
            parts.append(current)
        elif current.type == "binary_expression":
            stack += [current.child_by_field_name("right"), current.child_by_field_name("left")]
        else:
            return None
    return parts


def literal_text(node: Node | None, ctx: Context) -> str | None:
    parts = literal_parts(node)
    if parts is None:
        return None
    return "".join(ctx.string_value(p) or "" for p in parts)


def looks_like_sql(text: str) -> bool:
    return bool(_SQL.search(text))


def conversions(text: str) -> list[str]:
    """The conversion letters that consume an argument, in order (`%%` consumes none). Stops at
    `%t`/`%T`, whose translations take a variable number of arguments."""
    out = []
    for m in _CONVERSION.finditer(text):
        letter = m.group(1)
        if letter is None:
            continue
        if letter in "tT":
            break
        out.append(letter)
    return out


def all_conversions(text: str) -> list[str]:
    """Every conversion letter that consumes arguments, `t`/`T` included (`%%` consumes none)."""
    return [m.group(1) for m in _CONVERSION.finditer(text) if m.group(1) is not None]


def format_arguments(call: Node, format_index: int, ctx: Context) -> tuple[str, list[tuple[str, Node]]] | None:
    """(format text, [(conversion letter, argument)]) of a Format-like call whose format
    argument (at `format_index`) is a literal; None when it is not."""
    args = fb.arguments(call)
    if len(args) <= format_index:
        return None
    text = literal_text(args[format_index], ctx)
    if text is None:
        return None
    rest = args[format_index + 1 :]
    letters = conversions(text)
    return text, list(zip(letters[: len(rest)], rest[: len(letters)], strict=True))
