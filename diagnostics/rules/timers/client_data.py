"""Is this expression a client index? Evidence from what the program says, shared by the rules
about data that outlives the current frame: timer data (SPC401) and threaded-query data (SPC509).

A client index is reused when its player leaves, so anything that runs later must carry a
userid (`GetClientUserId`) instead.

The evidence is semantic, never the name the author gave a variable (renaming a local must not
change a finding):
- a value from a function that returns a client (`GetClientOfUserId`, `GetClientFromSerial`,
  `CreateFakeClient`, or a native or stock of the includes whose doc comment says `@return
  Client index`), in the variable's initialiser or an assignment in its function; a value
  from one that makes something that survives (a userid, an entity reference, a serial) says no;
- the variable of a loop over the clients (`for (int i = 1; i <= MaxClients; i++)`);
- a parameter whose contract calls it a client: the forward the function implements
  (`OnClientPutInServer(int client)`) or the function type of the native it is handed to as a
  callback (`RegConsoleCmd`'s `ConCmd`: `int client`; SDKHooks' `int victim`, `int attacker`),
  read from the include declarations (client_contracts.py);
- a parameter of one of the plugin's own functions (no contract) that some call in the file
  passes a client by the evidence above (followed through up to three calls).
"""

from __future__ import annotations

import re

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.rules.props.entity_kind import is_client_loop_variable
from spcopilot.diagnostics.rules.timers import client_contracts
from spcopilot.diagnostics.rules.timers import function_body as fb
from tree_sitter import Node

# The names a contract (a forward's or a callback type's parameter, as SourceMod and the
# include authors write them) gives a client index.
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
# Functions whose result is a client index, and ones whose result survives a disconnect (a
# userid, an entity reference, a serial) or is an event field.
CLIENT_SOURCES = frozenset({"GetClientOfUserId", "GetClientFromSerial", "CreateFakeClient"})
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
_CALLER_DEPTH = 3  # calls followed back from a parameter to the values passed to it


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
    """A plain identifier that holds a client index, by the evidence above."""
    if node.type != "identifier":
        return False
    function = ctx.enclosing_function(node)
    if function is None:
        return False
    return _client_variable(function, ctx.text(node), node, ctx, 0)


def _client_source(function_name: str, ctx: Context) -> bool:
    """Does calling this function give a client index (by name for SourceMod's, by the `@return`
    of its declaration in the includes for the rest)?"""
    if function_name in CLIENT_SOURCES:
        return True
    if not function_name or function_name in NOT_CLIENT_SOURCES:
        return False
    return client_contracts.returns_client_index(ctx.symbols.declarations(function_name))


def _client_variable(function: Node, name: str, node: Node, ctx: Context, depth: int) -> bool:
    declaration = ctx.local_declaration(function, name, node.start_byte)
    if declaration is not None:
        if not _scalar_cell(declaration, ctx.source):
            return False
        origin = _origin(fb.initial_value(declaration), ctx.source)
        if origin in NOT_CLIENT_SOURCES:
            return False
        if _client_source(origin, ctx):
            return True
    origins = {
        _origin(fb.unwrap(a.child_by_field_name("right")), ctx.source)
        for a in fb.assignments(function)
        if fb.text(a.child_by_field_name("left"), ctx.source) == name
    }
    if origins & NOT_CLIENT_SOURCES:
        return False
    if any(_client_source(o, ctx) for o in origins):
        return True
    if is_client_loop_variable(name, node, ctx):
        return True
    if declaration is None:
        return False  # a global: only what this function says of it counts
    if declaration.type == "parameter_declaration":
        return _client_parameter(function, declaration, ctx, depth)
    return False


def _client_parameter(function: Node, declaration: Node, ctx: Context, depth: int) -> bool:
    params = ctx.parameters(function)
    index = next((i for i, (_, p) in enumerate(params) if p.start_byte == declaration.start_byte), -1)
    if index < 0:
        return False
    name = ctx.function_name(function)
    passed = _registered_values(name, index, ctx)
    if passed is not None:  # timer data, an SDK hook's entity: what the registrations pass
        return depth < _CALLER_DEPTH and any(_client_argument(arg, ctx, depth + 1) for arg in passed)
    contract = _contract(name, len(params), ctx)
    if contract is not None:
        return index < len(contract) and contract[index].lower() in CLIENT_NAMES
    if depth >= _CALLER_DEPTH:
        return False
    # Calls are found by a search of the whole file, which the incremental engine cannot follow.
    ctx.uses_whole_file()
    cache: dict[tuple[str, int], bool] = ctx.memo("client_data: parameters passed a client", dict)
    key = (name, index)
    if key not in cache:
        cache[key] = False  # in progress: a call cycle answers no
        cache[key] = any(_client_argument(arg, ctx, depth + 1) for arg in _arguments_passed(name, index, ctx))
    return cache[key]


# Callback parameters that receive an argument of the registering call: (registering function,
# callback parameter) -> that call's argument. A timer callback's data is what CreateTimer was
# given; an SDK hook callback's first parameter is the entity SDKHook was given (a client only
# when that is: SDKHooks calls it `victim` or `client` on every entity it hooks).
_REGISTERED_VALUES = {("CreateTimer", 1): 2, ("SDKHook", 0): 0, ("SDKHookEx", 0): 0}


def _registered_values(function_name: str, index: int, ctx: Context) -> list[Node] | None:
    """The values registrations hand to parameter `index` of a callback, when it is one whose
    value comes from the registering call; None when no registration of it is such a call."""
    out: list[Node] | None = None
    for r in ctx.model.registrations:
        at = _REGISTERED_VALUES.get((r.function, index))
        if r.callback != function_name or at is None:
            continue
        args = r.args
        out = out if out is not None else []
        if at < len(args):
            out.append(args[at])
    return out


def _contract(function_name: str, arity: int, ctx: Context) -> list[str] | None:
    """The parameter names the function's contract gives it: the forward it implements, or the
    function type of the native it is registered with as a callback; None without one."""
    scope = ctx.symbols
    found = client_contracts.forward_parameters(scope.declarations(function_name))
    if found is not None:
        return found
    for r in ctx.model.registrations:
        if r.callback != function_name:
            continue
        args = r.args
        position = next((i for i, a in enumerate(args) if fb.name_of(a, ctx.source) == function_name), -1)
        if position < 0:
            continue
        names = client_contracts.callback_parameters(
            scope.declarations(r.function), position, arity, scope.declarations
        )
        if names is not None:
            return names
    return None


def _arguments_passed(function_name: str, index: int, ctx: Context) -> list[Node]:
    """Argument `index` of every call `function_name(...)` in the file."""
    out = []
    root = ctx.tree.root_node
    pattern = re.compile(rb"(?<![\w.:])" + re.escape(function_name.encode()) + rb"\s*\(")
    for m in pattern.finditer(ctx.source):
        node = root.descendant_for_byte_range(m.start(), m.start() + len(function_name))
        call = node.parent if node is not None and node.type == "identifier" else None
        if call is None or call.type != "call_expression" or call.child_by_field_name("function") != node:
            continue
        args = fb.arguments(call)
        if index < len(args):
            out.append(args[index])
    return out


def _client_argument(value: Node, ctx: Context, depth: int) -> bool:
    """A value passed in another function (a call, a registration): what that function says of
    it is read from its nodes, which the incremental engine does not follow."""
    ctx.uses_whole_file()
    found = fb.unwrap(value)
    if found is None:
        return False
    if found.type == "call_expression":
        return _client_source(fb.callee(found, ctx.source), ctx)
    if found.type != "identifier":
        return False
    function = ctx.enclosing_function(found)
    return function is not None and _client_variable(function, ctx.text(found), found, ctx, depth)


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
