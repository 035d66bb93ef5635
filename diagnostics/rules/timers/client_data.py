"""Is this expression a client index? A small name-and-origin heuristic shared by the rules
about data that outlives the current frame: timer data (SPC401) and threaded-query data (SPC509).

A client index is reused when its player leaves, so anything that runs later must carry a
userid (`GetClientUserId`) instead.
"""

from __future__ import annotations

import re

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.rules.timers import function_body as fb
from tree_sitter import Node

CLIENT_NAMES = frozenset(
    {
        "client",
        "iclient",
        "player",
        "iplayer",
        "attacker",
        "iattacker",
        "victim",
        "ivictim",
        "target",
        "itarget",
        "survivor",
        "isurvivor",
    }
)
# Initialisers that make a client index, and ones that make something that survives (a userid,
# an entity reference, a serial) even when the variable is called `client`.
CLIENT_SOURCES = frozenset({"GetClientOfUserId"})
NOT_CLIENT_SOURCES = frozenset(
    {
        "GetClientUserId",
        "GetEventInt",
        "GetInt",
        "EntIndexToEntRef",
        "GetClientSerial",
    }
)
# Calls that re-check a client that came back from a timer or a query.
VALIDATORS = frozenset({"IsClientInGame", "IsClientConnected", "IsValidClient", "IsClientValid"})


def _scalar_cell(declaration: Node, source: bytes) -> bool:
    """Declared as a plain int/any cell (or untyped old syntax), not an array, string, Handle."""
    if any(c.type in ("dimension", "fixed_dimension") for c in declaration.children):
        return False
    typed = declaration.child_by_field_name("type")
    if typed is None and declaration.parent is not None and declaration.parent.type == "variable_declaration_statement":
        typed = declaration.parent.child_by_field_name("type")
    if typed is None:
        return True
    return fb.text(typed, source).rstrip(":").strip() in ("int", "any", "")


def _origin(value: Node | None, source: bytes) -> str:
    """The function a value comes from: `GetClientOfUserId` for GetClientOfUserId(x)."""
    return fb.callee(value, source) if value is not None and value.type == "call_expression" else ""


def looks_like_client(node: Node, ctx: Context) -> bool:
    """A plain identifier that holds a client index: named like one (client, iClient, player,
    attacker, victim, target, survivor) or assigned from GetClientOfUserId in its function."""
    if node.type != "identifier":
        return False
    name = ctx.text(node)
    function = ctx.enclosing_function(node)
    if function is None:
        return name.lower() in CLIENT_NAMES
    declaration = ctx.local_declaration(function, name, node.start_byte)
    if declaration is not None:
        if not _scalar_cell(declaration, ctx.source):
            return False
        origin = _origin(fb.initial_value(declaration), ctx.source)
        if origin in CLIENT_SOURCES:
            return True
        if origin in NOT_CLIENT_SOURCES:
            return False
    origins = {
        _origin(fb.unwrap(a.child_by_field_name("right")), ctx.source)
        for a in fb.assignments(function)
        if fb.text(a.child_by_field_name("left"), ctx.source) == name
    }
    if origins & NOT_CLIENT_SOURCES:
        return False
    return name.lower() in CLIENT_NAMES or bool(origins & CLIENT_SOURCES)


# Plugin stocks that check a client before use: IsValidClient, IsClientAndInGame, IsSurvivor,
# IsInfected, IsTank, IsValidPlayer, ... Natives that throw on a disconnected client are not checks.
_STOCK_CHECK = re.compile(r"^Is\w*?(?:Valid|Client|Survivor|Infected|Tank|Player|InGame)")
_NOT_CHECKS = frozenset({"IsPlayerAlive", "IsFakeClient", "IsClientObserver", "IsClientReplay", "IsClientSourceTV"})


def is_validator(name: str) -> bool:
    return name in VALIDATORS or (name not in _NOT_CHECKS and bool(_STOCK_CHECK.match(name)))


def validates(function: Node, names: set[str], source: bytes) -> bool:
    """Does the function pass one of `names` as the first argument of a validity check?"""
    for call in fb.calls(function):
        if is_validator(fb.callee(call, source)):
            args = fb.arguments(call)
            if args and fb.name_of(args[0], source) in names:
                return True
    return False
