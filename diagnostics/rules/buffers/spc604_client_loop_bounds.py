from __future__ import annotations

import re
from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.matching import query_matches
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Match, Rule
from tree_sitter import Node

# Natives that throw "Client index 0 is invalid" (and the like) for the server's index 0.
CLIENT_FUNCTIONS = frozenset(
    """IsClientInGame IsClientConnected IsFakeClient IsClientSourceTV IsClientReplay IsClientObserver
    IsClientAuthorized IsClientInKickQueue IsPlayerAlive GetClientTeam GetClientName GetClientUserId
    GetClientAuthId GetClientIP GetClientHealth GetClientArmor GetClientFrags GetClientDeaths
    GetClientAbsOrigin GetClientEyePosition GetClientEyeAngles GetClientModel GetClientWeapon
    ChangeClientTeam ForcePlayerSuicide KickClient PrintToChat PrintHintText PrintCenterText
    ClientCommand FakeClientCommand GetClientMenu""".split()
)
_CALLS = "((call_expression function: (identifier) @fn arguments: (call_arguments . (identifier) @arg)) @call)"
_INNER_LOOPS = "(for_statement initialization: (_) @init)"


def _initial_value(init: Node, var: str, ctx: Context) -> Node | None:
    """The value `var` starts from in a for loop's initialization."""
    if init.type == "assignment_expression":
        left = init.child_by_field_name("left")
        return init.child_by_field_name("right") if left is not None and ctx.text(left) == var else None
    for decl in init.named_children:
        if decl.type in ("variable_declaration", "old_variable_declaration"):
            name = decl.child_by_field_name("name")
            if name is not None and ctx.text(name) == var:
                return next((v for v in decl.children_by_field_name("initialValue") if v.is_named), None)
    return None


class ClientLoopBounds(Rule):
    code = "SPC604"
    name = "client-loop-bounds"
    severity = Severity.WARNING
    item_local = True
    summary = "A loop over clients that skips the last client or starts at the server (index 0)"
    fixable = True
    docs = """
## What it does
Flags the two off-by-one client loops:

- `for (int i = 1; i < MaxClients; i++)`: stops before the last client;
- `for (int i = 0; i <= MaxClients; i++)` whose body passes `i` to a client native
  (`IsClientInGame`, `GetClientTeam`, ...): starts at index 0, the server.

Loops from 0 that never hand `i` to a client native (a 0-based list of something else) and
outer loops of pairwise `j = i + 1` loops are left alone.

## Why is this bad?
Clients are numbered 1..`MaxClients` inclusive. `i < MaxClients` never visits the last
slot, so on a full server one player is never healed, counted or reset. Index 0 is the
server (world), and `IsClientInGame(0)` throws "Client index 0 is invalid", which aborts the
callback on its first iteration.

## Example
```sourcepawn
for (int i = 1; i < MaxClients; i++)
{
    if (IsClientInGame(i)) PrintToChat(i, "Round started");
}
```

## Use instead
```sourcepawn
for (int i = 1; i <= MaxClients; i++)
{
    if (IsClientInGame(i)) PrintToChat(i, "Round started");
}
```
"""
    query = """
((for_statement
   initialization: (_) @init
   condition: (binary_expression left: (identifier) @var operator: _ @op right: (_) @bound) @condition
   body: (_) @body) @loop
 (#match? @bound "^(MaxClients|GetMaxClients\\\\(\\\\))$"))
"""

    def check(self, match: Match, ctx: Context) -> Iterator[Diagnostic]:
        var = ctx.text(match["var"][0])
        op = match["op"][0]
        start = _initial_value(match["init"][0], var, ctx)
        if start is None or start.type != "int_literal":
            return
        loop, body, condition = match["loop"][0], match["body"][0], match["condition"][0]
        first, operator = ctx.text(start), ctx.text(op)
        if first == "1" and operator == "<" and not _pairwise(var, body, ctx):
            message = (
                f"`{var} < MaxClients` skips the last client (clients are 1..MaxClients inclusive); "
                f"use `{var} <= MaxClients`"
            )
            fix = self.fix(ctx, "Use <=", (op.start_byte, op.end_byte, "<="))
            yield self.diagnostic(ctx, condition, message, fix=fix)
        elif first == "0" and operator == "<=":
            called = _client_call(var, body, ctx)
            if called is None or _guards_zero(var, loop, ctx):
                return
            message = (
                f'the loop starts at {var} = 0, the server, and {called}(0) throws "Client index 0 '
                f'is invalid"; start at {var} = 1'
            )
            fix = self.fix(ctx, "Start at 1", (start.start_byte, start.end_byte, "1"))
            yield self.diagnostic(ctx, start, message, fix=fix)


def _client_call(var: str, body: Node, ctx: Context) -> str | None:
    """The first client native the loop body calls with `var` as the client."""
    for _, caps in query_matches(_CALLS, body):
        name = ctx.text(caps["fn"][0])
        if name in CLIENT_FUNCTIONS and ctx.text(caps["arg"][0]) == var:
            return name
    return None


def _guards_zero(var: str, loop: Node, ctx: Context) -> bool:
    """The loop tests `var` against 0 (`i > 0 &&`, `if (i == 0) continue;`, `!i`)."""
    text = ctx.text(loop)
    v = re.escape(var)
    return bool(re.search(rf"\b{v}\s*(>|>=|==|!=|<)\s*[01]\b|\b[01]\s*(<|<=|==|!=|>)\s*{v}\b|!\s*{v}\b(?!\s*=)", text))


def _pairwise(var: str, body: Node, ctx: Context) -> bool:
    """An inner loop starts from `var + 1` (pairs of clients): the outer `< MaxClients` is right."""
    v = re.escape(var)
    for _, caps in query_matches(_INNER_LOOPS, body):
        if re.search(rf"\b{v}\s*\+\s*1\b", ctx.text(caps["init"][0])):
            return True
    return False
