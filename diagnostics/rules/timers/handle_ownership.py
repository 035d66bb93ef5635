"""Does a function let go of a Handle it holds? (SPC404, SPC405)

A handle is "released" when the function deletes it, returns it, stores it somewhere else or
passes it to another function (which may take ownership: CreateTimer data, SetTrieValue,
PushArrayCell, a user function, ...). Reading it, calling its methods and comparing it are not.
When a use is not understood the handle counts as released: precision first.
"""

from __future__ import annotations

import re

from spcopilot.diagnostics.rules.timers import function_body as fb
from tree_sitter import Node

# Old-syntax natives that take the handle as their first argument to work on it, not to own it.
_WORKS_ON = re.compile(
    r"^(?:(?:Read|Write|Reset)Pack\w*|IsPackReadable|[SG]etPackPosition|Kv[A-Z]\w*|FileToKeyValues|KeyValuesToFile"
    r"|(?:Push|Get|Set)Array\w*|Find(?:Value|String)InArray|ResizeArray|ClearArray|RemoveFromArray|ShiftArrayUp"
    r"|SwapArrayItems|SortADTArray\w*|(?:Set|Get)Trie\w*|RemoveFromTrie|ClearTrie|CreateTrieSnapshot)$"
)
_NEUTRAL = frozenset(
    {
        "binary_expression",
        "unary_expression",
        "condition_statement",
        "while_statement",
        "do_while_statement",
        "sizeof_expression",
        "expression_statement",
    }
)
_WRAPPERS = frozenset({"parenthesized_expression", "view_as"})


def aliases(function: Node, name: str, source: bytes) -> set[str]:
    """`name` and the locals that are given its value (by declaration or assignment)."""
    names = fb.aliases(function, name, source)
    for assign in fb.assignments(function):
        right = fb.unwrap(assign.child_by_field_name("right"))
        left = assign.child_by_field_name("left")
        if (
            right is not None
            and right.type == "identifier"
            and fb.text(right, source) in names
            and left is not None
            and left.type == "identifier"
        ):
            names.add(fb.text(left, source))
    return names


def released(function: Node, names: set[str], source: bytes, after: int = 0) -> bool:
    """Does the function delete, return, store or hand over any of `names` (uses from byte `after`)?"""
    for name in names:
        for ident in fb.identifiers(function, name, source):
            if ident.start_byte >= after and _releases(ident, names, source):
                return True
    return False


def _releases(ident: Node, names: set[str], source: bytes) -> bool:
    node = ident
    parent = node.parent
    while parent is not None and parent.type in _WRAPPERS:
        if parent.type == "view_as" and parent.child_by_field_name("type") == node:
            return False
        node, parent = parent, parent.parent
    if parent is None:
        return True
    kind = parent.type
    if kind in ("delete_statement", "return_statement"):
        return True
    if kind == "call_arguments":
        call = parent.parent
        args = fb.arguments(call) if call is not None else []
        plain = call is not None and (call.child_by_field_name("function") or call).type == "identifier"
        return not (plain and args and args[0] == node and _WORKS_ON.match(fb.callee(call, source)))
    if kind == "field_access":
        if parent.child_by_field_name("target") == node:
            return fb.text(parent.child_by_field_name("field"), source) == "Close"
        return True
    if kind == "assignment_expression":
        left = parent.child_by_field_name("left")
        if left == node:
            return not fb.is_null(parent.child_by_field_name("right"), source)
        return fb.name_of(left, source) not in names
    if kind in ("variable_declaration", "old_variable_declaration"):
        if parent.child_by_field_name("name") == node:
            return False
        return fb.text(parent.child_by_field_name("name"), source) not in names
    if kind in ("parameter_declaration", "array_indexed_access"):
        return kind == "array_indexed_access"
    return kind not in _NEUTRAL
