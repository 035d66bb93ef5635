"""Cutting holes out of a plugin the way an editor user leaves them.

Three kinds:
- `statement`: one simple statement (expression, declaration, return, delete) of at most
  MAX_STATEMENT_LINES lines, alone on its lines, inside a function;
- `block`: the contents of a nested block (the body of an if/else/for/while/switch case block),
  two to MAX_BLOCK_LINES lines;
- `body`: a whole function body, at most MAX_BODY_LINES lines.

A hole keeps the indentation of its first line and the line break before the closing brace,
so the cursor sits on an otherwise empty, indented line: where the editor asks for a multi-line
suggestion (`inline.mode.is_multi_line`). Holes are chosen per file in a fixed order (a hash of
path, kind and offset), kinds taken in turn, never overlapping.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from spcopilot.diagnostics.matching import query_captures
from spcopilot.diagnostics.parsing import Node, parse

KINDS = ("statement", "block", "body")
MAX_STATEMENT_LINES = 4
MAX_BLOCK_LINES = 15
MAX_BODY_LINES = 30
STATEMENT_TYPES = ("expression_statement", "variable_declaration_statement", "return_statement", "delete_statement")
_STATEMENTS = " ".join(f"({t})" for t in STATEMENT_TYPES)
_QUERY = f"""
(function_definition body: (block) @body)
(block (block) @block)
(for_statement body: (block) @block)
(while_statement body: (block) @block)
(do_while_statement body: (block) @block)
(condition_statement truePath: (block) @block)
(condition_statement falsePath: (block) @block)
(switch_case body: (block) @block)
(block [{_STATEMENTS}] @statement)
"""


@dataclass(frozen=True, slots=True)
class Hole:
    kind: str
    start: int  # str indexes into the text: the cursor goes at `start`
    end: int

    def middle(self, text: str) -> str:
        return text[self.start : self.end]

    def document(self, text: str) -> str:
        """The text with the hole cut out."""
        return text[: self.start] + text[self.end :]


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def _line_end(text: str, offset: int) -> int:
    end = text.find("\n", offset)
    return len(text) if end < 0 else end


def _block_hole(text: str, block: tuple[int, int], kind: str, max_lines: int) -> Hole | None:
    """The contents of `{ … }` when `{` ends its line and `}` starts its own."""
    open_at, close_at = block[0], block[1] - 1
    if text[open_at] != "{" or text[close_at] != "}":
        return None
    after_open = _line_end(text, open_at)
    close_line = _line_start(text, close_at)
    if text[open_at + 1 : after_open].strip() or text[close_line:close_at].strip():
        return None
    inner_start, inner_end = after_open + 1, close_line - 1  # the last inner line's break stays
    if inner_start >= inner_end:
        return None
    inner = text[inner_start:inner_end]
    lines = inner.split("\n")
    code_lines = sum(bool(line.strip()) for line in lines)
    if code_lines < (2 if kind == "block" else 1) or len(lines) > max_lines:
        return None  # (a one-line block is a statement hole)
    while lines and not lines[0].strip():  # start at the first line with code, after its indentation
        inner_start += len(lines.pop(0)) + 1
    first = lines[0]
    start = inner_start + len(first) - len(first.lstrip())
    return Hole(kind, start, inner_end)


def _statement_hole(text: str, span: tuple[int, int]) -> Hole | None:
    start, end = span
    if text[_line_start(text, start) : start].strip() or text[end : _line_end(text, end)].strip():
        return None  # something else shares its first or last line
    if text[start:end].count("\n") + 1 > MAX_STATEMENT_LINES:
        return None
    return Hole("statement", start, end)


def candidate_holes(text: str) -> dict[str, list[Hole]]:
    """Every hole of each kind in `text` (which should parse without errors)."""

    source = text.encode("utf-8")
    root = parse(source).root_node
    chars = _chars(source)
    found: dict[str, dict[int, Hole]] = {k: {} for k in KINDS}
    for name, nodes in query_captures(_QUERY, root).items():
        for node in nodes:
            span = chars(node)
            hole = (
                _statement_hole(text, span)
                if name == "statement"
                else _block_hole(text, span, name, MAX_BODY_LINES if name == "body" else MAX_BLOCK_LINES)
            )
            if hole is not None and not node.has_error:
                found[hole.kind].setdefault(hole.start, hole)
    return {kind: sorted(holes.values(), key=lambda h: h.start) for kind, holes in found.items()}


def _chars(source: bytes) -> Callable[[Node], tuple[int, int]]:
    """Node -> (start, end) as str indexes (tree-sitter counts bytes)."""
    if source.isascii():
        return lambda node: (node.start_byte, node.end_byte)
    return lambda node: (
        len(source[: node.start_byte].decode("utf-8", "replace")),
        len(source[: node.end_byte].decode("utf-8", "replace")),
    )


def function_spans(text: str, names: tuple[str, ...]) -> list[tuple[int, int]]:
    """Character spans of the top-level functions named `names`."""
    if not names:
        return []
    source = text.encode("utf-8")
    spans = _chars(source)
    out = []
    for node in parse(source).root_node.children:
        name = node.child_by_field_name("name") if node.type == "function_definition" else None
        if name is not None and source[name.start_byte : name.end_byte].decode("utf-8", "replace") in names:
            out.append(spans(node))
    return out


def choose_holes(
    text: str, key: str, count: int, kinds: tuple[str, ...] = KINDS, avoid: tuple[str, ...] = ()
) -> list[Hole]:
    """Up to `count` non-overlapping holes of `kinds`, taken in turn, in an order fixed by `key`;
    none inside a function named in `avoid` (the training data has it)."""
    blocked = function_spans(text, avoid)
    candidates = {
        kind: [h for h in holes if all(h.end <= a or h.start >= b for a, b in blocked)]
        for kind, holes in candidate_holes(text).items()
    }

    def rank(hole: Hole) -> bytes:
        return hashlib.sha256(f"{key}:{hole.kind}:{hole.start}".encode()).digest()

    queues = {k: sorted(candidates[k], key=rank) for k in kinds}
    chosen: list[Hole] = []
    while len(chosen) < count and any(queues.values()):
        for kind in kinds:
            queue = queues[kind]
            while queue:
                hole = queue.pop(0)
                if all(hole.end <= c.start or hole.start >= c.end for c in chosen):
                    chosen.append(hole)
                    break
            if len(chosen) >= count:
                break
    return sorted(chosen, key=lambda h: h.start)
