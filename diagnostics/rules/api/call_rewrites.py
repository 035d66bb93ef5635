"""Fixes that rewrite a call's arguments, not just its name, shared by SPC101 (functions SourceMod
does not have) and SPC102 (deprecated natives):

- `steam2_auth`: `GetClientAuthString(client, auth, maxlen[, validate])` →
  `GetClientAuthId(client, AuthId_Steam2, auth, maxlen[, validate])`. SourceMod implements the
  former as exactly that call (core/logic/smn_players.cpp, `sm_GetClientAuthStr`).
- `sdkhooks_damage`: a `TakeDamage(...)` whose arguments fit
  `SDKHooks_TakeDamage(entity, inflictor, attacker, float damage, damageType, weapon, force, pos,
  bypassHooks)` (sdkhooks.inc), with `#include <sdkhooks>` added when the file lacks it.

Each returns the fix's edits, or None when the call's shape does not fit (the finding stays,
without a fix).
"""

from __future__ import annotations

from spcopilot.diagnostics.context import Context
from tree_sitter import Node

Edit = tuple[int, int, str]

STEAM2 = "AuthId_Steam2"
SDKHOOKS = "sdkhooks"
_FLOAT_TYPES = frozenset({"float", "Float:", "Float"})


def steam2_auth(ctx: Context, call: Node, name: Node, replacement: str) -> list[Edit] | None:
    """Rename and pass `AuthId_Steam2` as the second argument (3 or 4 arguments)."""
    args = ctx.args(call)
    if len(args) not in (3, 4):
        return None
    return [(name.start_byte, name.end_byte, replacement), (args[0].end_byte, args[0].end_byte, f", {STEAM2}")]


def sdkhooks_damage(ctx: Context, call: Node, name: Node, replacement: str) -> list[Edit] | None:
    """`TakeDamage(victim, damage)` → `(victim, 0, 0, damage)` (the world hurts it);
    `TakeDamage(victim, attacker, damage)` → `(victim, attacker, attacker, damage)` (the attacker
    is its own inflictor, as for a player's hit); 4 to 9 arguments are already in
    SDKHooks_TakeDamage's order. The damage must be a float (a float literal or variable; an
    integer literal becomes `N.0`): otherwise the arguments do not fit and there is no fix."""
    args = ctx.args(call)
    if not 2 <= len(args) <= 9:
        return None
    damage_at = {2: 1, 3: 2}.get(len(args), 3)
    damage = _as_float(ctx, args[damage_at])
    if damage is None:
        return None
    edits: list[Edit] = [(name.start_byte, name.end_byte, replacement)]
    node = args[damage_at]
    if damage != ctx.text(node):
        edits.append((node.start_byte, node.end_byte, damage))
    if len(args) == 2:
        edits.append((args[0].end_byte, args[0].end_byte, ", 0, 0"))
    elif len(args) == 3:
        edits.append((args[1].end_byte, args[1].end_byte, f", {ctx.text(args[1])}"))
    include = include_edit(ctx, SDKHOOKS)
    if include is not None:
        edits.append(include)
    return edits


def _as_float(ctx: Context, node: Node) -> str | None:
    """The argument written as a float, or None when it is not known to be one."""
    text = ctx.text(node)
    if node.type == "float_literal":
        return text
    if node.type == "int_literal" and text.isdigit():
        return f"{text}.0"
    if node.type == "identifier" and _declared_float(ctx, node, text):
        return text
    return None


def _declared_float(ctx: Context, node: Node, name: str) -> bool:
    function = ctx.enclosing_function(node)
    declaration = ctx.local_declaration(function, name, node.start_byte) if function is not None else None
    if declaration is None:
        declaration = ctx.model.variables.get(name)
    if declaration is None or any(c.type in ("fixed_dimension", "dimension") for c in declaration.children):
        return False
    kind = declaration.child_by_field_name("type")
    if kind is None and declaration.parent is not None:
        kind = declaration.parent.child_by_field_name("type")
    return kind is not None and ctx.text(kind).strip() in _FLOAT_TYPES


def include_edit(ctx: Context, include: str) -> Edit | None:
    """An edit that adds `#include <include>` after the file's last top-level include (at the top
    when it has none), or None when the file already includes it."""
    includes = ctx.model.includes
    if any(i.name.removesuffix(".inc") == include for i in includes):
        return None
    ctx.uses_whole_file()  # the edit lands outside the item the finding is in
    top = [i.node for i in includes if i.node.parent is not None and i.node.parent.type == "source_file"]
    if not top:
        return (0, 0, f"#include <{include}>\n")
    end = max(top, key=lambda n: n.end_byte).end_byte
    line_end = ctx.source.find(b"\n", end - 1 if ctx.source[end - 1 : end] == b"\n" else end)
    newline = "\r\n" if line_end > 0 and ctx.source[line_end - 1 : line_end] == b"\r" else "\n"
    if line_end < 0:  # the include is the file's last line, with no newline after it
        return (len(ctx.source), len(ctx.source), f"{newline}#include <{include}>{newline}")
    return (line_end + 1, line_end + 1, f"#include <{include}>{newline}")
