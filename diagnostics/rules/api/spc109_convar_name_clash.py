from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.knowledge.convars import game_convars
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.api.convar_calls import CollectsConVarCalls, collected, sibling_plugins
from spcopilot.diagnostics.rules.base import Rule
from tree_sitter import Node

_BRANCHING = frozenset({"condition_statement", "switch_case", "switch_statement", "ternary_expression"})


def _branches(node: Node) -> tuple[tuple[int, int], ...]:
    """The conditional statements around a node and the arm it is in (start bytes), innermost
    first: two calls in the two arms of one if/else differ."""
    out = []
    child, parent = node, node.parent
    while parent is not None:
        if parent.type in _BRANCHING:
            out.append((parent.start_byte, child.start_byte))
        child, parent = parent, parent.parent
    return tuple(out)


class ConVarNameClash(CollectsConVarCalls, Rule):
    code = "SPC109"
    name = "convar-name-clash"
    severity = Severity.WARNING
    summary = "CreateConVar with a name the game, this plugin or a plugin beside it already creates"
    docs = """
## What it does
Reports `CreateConVar("name", ...)` when the name is one of L4D2's own ConVars, when the plugin
creates the same name twice (not in the two arms of an `if`/`else`), and, as information, when
another plugin in the same folder creates it too (often another version of the same plugin).

## Why is this bad?
A ConVar exists once per server. CreateConVar of an existing name returns the existing ConVar:
the second default value, description, flags and bounds are silently ignored (a game ConVar
keeps the game's), and two plugins sharing a name change each other's setting.

## Example
```sourcepawn
g_hHealth = CreateConVar("z_tank_health", "8000", "Tank health");
```

## Use instead
```sourcepawn
g_hHealth = CreateConVar("l4d2_tankhp_health", "8000", "Tank health");
// or, to change the game's own setting: FindConVar("z_tank_health").IntValue = 8000;
```
"""

    def finish(self, ctx: Context) -> Iterator[Diagnostic]:
        calls = [c for c in collected(ctx, self.code) if c.function == "CreateConVar"]
        if not calls:
            return
        first: dict[str, tuple[int, tuple[tuple[int, int], ...]]] = {}
        siblings = sibling_plugins(ctx.path)
        for call in calls:
            name = call.name.lower()
            line = call.node.start_point[0] + 1
            if name in game_convars():
                yield self.diagnostic(ctx, call.node, f'"{call.name}" is one of L4D2\'s own ConVars: CreateConVar returns the '
                                      "game's and ignores this default, description and bounds; use FindConVar")  # fmt: skip
            elif name in first:
                if first[name][1] == _branches(call.call):  # not the other arm of an if/else
                    yield self.diagnostic(ctx, call.node, f'"{call.name}" is already created on line {first[name][0]}: '
                                          "this second CreateConVar returns that one and its settings are ignored")  # fmt: skip
            else:
                others = sorted(Path(p).name for p, facts in siblings.items() if name in facts.created)
                if others:
                    # Often another version of the same plugin, not installed with it: information.
                    yield self.diagnostic(ctx, call.node, f'{", ".join(others)} in this folder creates "{call.name}" '
                                          "too: if both are installed, the one loaded second gets the first one's "
                                          "ConVar", severity=Severity.INFO)  # fmt: skip
            first.setdefault(name, (line, _branches(call.call)))
