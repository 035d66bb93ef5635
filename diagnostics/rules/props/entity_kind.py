"""Is an entity argument a client (a player) or some other entity? A guess from names and
from where the value came from in the same function, shared by the entity-prop rules.

`looks_like_client` is deliberately conservative: it says yes only on positive evidence (a
client-ish name, a `GetClientOfUserId(...)` value, a `1..MaxClients` loop variable) and no
as soon as anything says "entity" (an entity-ish name, a value from `CreateEntityByName` or
`FindEntityByClassname`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spcopilot.diagnostics.matching import query_matches
from tree_sitter import Node

if TYPE_CHECKING:
    from spcopilot.diagnostics.context import Context

CLIENT_NAMES = frozenset(
    """client iclient player iplayer attacker iattacker victim ivictim target itarget survivor
    isurvivor tank itank userclient bot jockey charger hunter smoker boomer spitter""".split()
)
ENTITY_NAMES = frozenset(
    """ent ient entity ientity door idoor weapon iweapon prop iprop witch iwitch infected
    iinfected common edict""".split()
)
CLIENT_SOURCES = frozenset({"GetClientOfUserId", "GetClientAimTarget", "CreateFakeClient"})
ENTITY_SOURCES = frozenset({"CreateEntityByName", "FindEntityByClassname", "EntRefToEntIndex"})
MAX_CLIENTS = frozenset({"MaxClients", "GetMaxClients()"})

_ASSIGNMENTS = """
(variable_declaration name: (identifier) @name initialValue: (_) @value)
(old_variable_declaration name: (identifier) @name initialValue: (_) @value)
(assignment_expression left: (identifier) @name right: (_) @value)
"""


def _unwrap(node: Node) -> Node:
    while node.type == "parenthesized_expression" and node.named_child_count == 1:
        node = node.named_children[0]
    return node


def _callee(node: Node, ctx: Context) -> str | None:
    node = _unwrap(node)
    if node.type == "call_expression":
        return ctx.callee(node)
    return None


def is_client_loop_variable(name: str, node: Node, ctx: Context) -> bool:
    """`node` sits in the body of `for (...; name <= MaxClients; ...)` (or `< MaxClients`)."""
    current = node.parent
    while current is not None:
        if current.type == "for_statement":
            cond = current.child_by_field_name("condition")
            if cond is not None and cond.type == "binary_expression":
                left, right = cond.child_by_field_name("left"), cond.child_by_field_name("right")
                op = cond.child_by_field_name("operator")
                if (
                    left is not None
                    and right is not None
                    and op is not None
                    and ctx.text(left) == name
                    and ctx.text(op) in ("<=", "<")
                    and ctx.text(right).replace(" ", "") in MAX_CLIENTS
                ):
                    return True
        if current.type in ("function_definition", "source_file"):
            return False
        current = current.parent
    return False


def assigned_sources(name: str, node: Node, ctx: Context) -> set[str]:
    """The functions whose results `name` is given in the function around `node`."""
    function = ctx.enclosing_function(node)
    if function is None:
        return set()
    found = set()
    for _, caps in query_matches(_ASSIGNMENTS, function):
        if ctx.text(caps["name"][0]) != name:
            continue
        callee = _callee(caps["value"][0], ctx)
        if callee:
            found.add(callee)
    return found


def looks_like_client(node: Node, ctx: Context) -> bool:
    """True when the entity argument `node` is, by name or origin, a client index."""
    node = _unwrap(node)
    callee = _callee(node, ctx)
    if callee is not None:
        return callee in CLIENT_SOURCES
    if node.type != "identifier":
        return False
    name = ctx.text(node)
    if name.lower() in ENTITY_NAMES:
        return False
    sources = assigned_sources(name, node, ctx)
    if sources & ENTITY_SOURCES:
        return False
    if sources & CLIENT_SOURCES:
        return True
    if name.lower() in CLIENT_NAMES:
        return True
    return is_client_loop_variable(name, node, ctx)
