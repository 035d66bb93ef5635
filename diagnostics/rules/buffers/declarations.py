"""Where a variable named at some point of the code was declared, with its type and array
dimensions, and what a constant size expression evaluates to. Shared by the buffer rules.

Lookup order follows SourcePawn scoping, as the semantic model binds names: the innermost
local declared before the use in an enclosing block, then the function's parameters, then the
file's globals (from the file model). Only the current file is searched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tree_sitter import Node

if TYPE_CHECKING:
    from spcopilot.diagnostics.context import Context

# SourceMod's own size constants (clients.inc, core.inc, ...). MAXPLAYERS is left out on
# purpose: it changed between versions (65, then 101 in SM 1.12).
SOURCEMOD_SIZES = {
    "MAX_NAME_LENGTH": 128,
    "PLATFORM_MAX_PATH": 256,
    "MAX_TARGET_LENGTH": 64,
    "MAX_AUTHID_LENGTH": 64,
}


@dataclass(frozen=True, slots=True)
class Declaration:
    name: str
    node: Node  # variable_declaration, old_variable_declaration or parameter_declaration
    kind: str  # "parameter", "local" or "global"
    type_name: str  # "char", "String", "Handle", "ArrayList", "" for an untagged old variable
    dimensions: tuple[Node, ...]  # fixed_dimension (sized) or dimension (unsized `[]`) nodes

    @property
    def is_array(self) -> bool:
        return bool(self.dimensions)

    @property
    def unsized(self) -> bool:
        return any(d.type == "dimension" for d in self.dimensions)


def size_expression(dimension: Node) -> Node | None:
    """The expression inside `[...]`, or None for `[]`."""
    if dimension.type != "fixed_dimension":
        return None
    inner = [c for c in dimension.named_children if c.type not in ("comment", "dimension_packing")]
    return inner[0] if inner else None


def _type_name(type_node: Node | None, ctx: Context) -> str:
    if type_node is None:
        return ""
    if type_node.type == "array_type":
        inner = next((c for c in type_node.named_children if c.type == "type"), None)
        return _type_name(inner, ctx)
    return ctx.text(type_node).rstrip(":").strip()


def _dimensions(*nodes: Node | None) -> tuple[Node, ...]:
    dims: list[Node] = []
    for node in nodes:
        if node is None:
            continue
        for child in node.named_children:
            if child.type in ("fixed_dimension", "dimension"):
                dims.append(child)
            elif child.type == "array_type":
                dims.extend(c for c in child.named_children if c.type in ("fixed_dimension", "dimension"))
    return tuple(dims)


def _from_declarator(name: str, node: Node, kind: str, ctx: Context) -> Declaration:
    statement = node.parent
    if node.type == "old_variable_declaration":
        type_node = node.child_by_field_name("type")
        return Declaration(name, node, kind, _type_name(type_node, ctx), _dimensions(node))
    type_node = statement.child_by_field_name("type") if statement is not None else None
    # `char[] s = new char[n]` puts the dimension on the statement, before the name.
    statement_dims = statement if statement is not None and statement.type == "variable_declaration_statement" else None
    return Declaration(name, node, kind, _type_name(type_node, ctx), _dimensions(statement_dims, node))


def parameter_declaration(name: str, node: Node, ctx: Context) -> Declaration:
    return Declaration(name, node, "parameter", _type_name(node.child_by_field_name("type"), ctx), _dimensions(node))


def find_declaration(name: str, at: Node, ctx: Context) -> Declaration | None:
    """The declaration `name` refers to at node `at`, or None when it is not in this file."""
    function = ctx.enclosing_function(at)
    if function is not None:
        found = ctx.local_declaration(function, name, at.start_byte)
        if found is not None and found.type == "parameter_declaration":
            return parameter_declaration(name, found, ctx)
        if found is not None and found.type in ("variable_declaration", "old_variable_declaration"):
            return _from_declarator(name, found, "local", ctx)
    node = ctx.model.variables.get(name)
    if node is not None:
        return _from_declarator(name, node, "global", ctx)
    return None


def evaluate(node: Node | None, ctx: Context, depth: int = 0) -> int | None:
    """The value of a constant integer expression (literals, + - * /, SourceMod size constants
    and this file's `#define`s), or None."""
    if node is None or depth > 5:
        return None
    kind = node.type
    if kind == "int_literal":
        return _int(ctx.text(node))
    if kind == "parenthesized_expression" and node.named_child_count == 1:
        return evaluate(node.named_children[0], ctx, depth + 1)
    if kind == "identifier":
        name = ctx.text(node)
        if name in ctx.model.define_values:
            return _int(ctx.model.define_values[name].strip("() \t"))
        return SOURCEMOD_SIZES.get(name)
    if kind == "binary_expression":
        left = evaluate(node.child_by_field_name("left"), ctx, depth + 1)
        right = evaluate(node.child_by_field_name("right"), ctx, depth + 1)
        op = node.child_by_field_name("operator")
        if left is None or right is None or op is None:
            return None
        symbol = ctx.text(op)
        if symbol == "+":
            return left + right
        if symbol == "-":
            return left - right
        if symbol == "*":
            return left * right
        if symbol == "/" and right:
            return left // right
    return None


def _int(text: str) -> int | None:
    text = text.replace("_", "").strip()
    try:
        return int(text, 0)
    except ValueError:
        return None
