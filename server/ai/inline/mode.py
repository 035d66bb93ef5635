"""Single- or multi-line suggestion, decided from the parse tree at the cursor.

Multi-line where a statement or a declaration can start: a blank line (or one that holds only
the cursor's indentation) inside a block or at top level, right after `{`, or right after a
statement that ended on this line. Single-line inside a string, a comment, an argument list,
a condition, or anywhere with code after the cursor on the same line.
"""

from __future__ import annotations

from spcopilot.diagnostics.parsing import Node, Tree

SINGLE_LINE_NODES = frozenset(
    {
        "string_literal",
        "string",
        "char_literal",
        "comment",
        "call_arguments",
        "argument_list",
        "parenthesized_expression",
        "condition_clause",
        "array_indexed_access",
        "preproc_include",
        "preproc_define",
        "preproc_pragma",
    }
)


def is_multi_line(tree: Tree | None, source: bytes, offset: int) -> bool:
    """`offset` is a byte offset into `source` (the document the tree was parsed from)."""
    line_start = source.rfind(b"\n", 0, offset) + 1
    line_end = source.find(b"\n", offset)
    line_end = len(source) if line_end < 0 else line_end
    before = source[line_start:offset]
    after = source[offset:line_end].strip()
    if after and after not in (b"}", b"};"):
        return False  # code after the cursor: finish this line only
    if tree is not None:
        node = _node_at(tree, offset)
        while node is not None:
            if node.type in SINGLE_LINE_NODES and node.start_byte < offset < node.end_byte:
                return False
            node = node.parent
    stripped = before.strip()
    return not stripped or stripped.endswith((b"{", b";", b"}")) or stripped.startswith(b"//")


def _node_at(tree: Tree, offset: int) -> Node | None:
    point = max(0, offset - 1)
    return tree.root_node.descendant_for_byte_range(point, point)
