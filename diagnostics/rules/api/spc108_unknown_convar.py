from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.knowledge.convars import PLUGIN_PREFIXES, is_known, near_miss
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.api.convar_calls import CollectsConVarCalls, collected, sibling_plugins
from spcopilot.diagnostics.rules.base import L4D_GAMES, Rule


class UnknownConVar(CollectsConVarCalls, Rule):
    code = "SPC108"
    name = "unknown-convar"
    severity = Severity.INFO
    summary = "FindConVar of a name that is a near miss of one of L4D2's ConVars"
    fixable = True
    games = L4D_GAMES
    docs = """
## What it does
Reports `FindConVar("z_tank_healt")` when the name is not a ConVar L4D2 is known to have, no
plugin of the folder creates it, and it is one or two letters away from one the game has
(`z_tank_health`); the fix writes the game's name. A name that could be another plugin's (any
name that is not a near miss, and names with a plugin prefix: `l4d_`, `l4d2_`, `sm_`) is never
reported: plugins find each other's ConVars all the time.

The game's ConVars come from what real plugins read with FindConVar and no plugin creates,
cross-checked in several repositories and in server configs (bench/convar_knowledge.py).

## Why is this bad?
FindConVar returns null for a name that does not exist; the first `.IntValue` on it stops the
plugin with "Invalid convar handle", usually in OnPluginStart, so the plugin never loads.

## Example
```sourcepawn
ConVar tank = FindConVar("z_tank_healt");
```

## Use instead
```sourcepawn
ConVar tank = FindConVar("z_tank_health");
```
"""

    def finish(self, ctx: Context) -> Iterator[Diagnostic]:
        calls = collected(ctx, self.code)
        if not any(c.function == "FindConVar" for c in calls):
            return
        created = {c.name.lower() for c in calls if c.function == "CreateConVar"}
        for call in calls:
            name = call.name.lower()
            if call.function != "FindConVar" or is_known(name) or name in created or name.startswith(PLUGIN_PREFIXES):
                continue
            close = near_miss(name)
            if close is None or any(name in f.created for f in sibling_plugins(ctx.path).values()):
                continue
            fix = self.fix(ctx, f'Use "{close}"', (call.node.start_byte, call.node.end_byte, f'"{close}"'), safe=False)
            yield self.diagnostic(
                ctx, call.node, f'L4D2 has no ConVar "{call.name}" that we know of; did you mean "{close}"?', fix=fix
            )
