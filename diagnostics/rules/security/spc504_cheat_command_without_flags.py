from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import L4D_OR_GENERIC, Match, Rule
from spcopilot.diagnostics.rules.timers import function_body as fb

# L4D2 console commands flagged FCVAR_CHEAT, with what to use instead.
CHEAT_COMMANDS = {
    "give": 'GivePlayerItem(client, "weapon_...") (or L4D_SetTempHealth / SetEntityHealth for health)',
    "z_spawn": "L4D2_SpawnSpecial / L4D2_SpawnTank / L4D2_SpawnWitch (Left4DHooks)",
    "z_spawn_old": "L4D2_SpawnSpecial / L4D2_SpawnTank / L4D2_SpawnWitch (Left4DHooks)",
    "upgrade_add": 'SetEntProp(weapon, Prop_Send, "m_upgradeBitVec", bits) on the weapon',
    "director_force_panic_event": "L4D_ForcePanicEvent (Left4DHooks)",
    "warp_all_survivors_to_checkpoint": "TeleportEntity on each survivor",
    "warp_to_start_area": "TeleportEntity to the start area",
    "ent_fire": "AcceptEntityInput / SetVariantString",
    "ent_remove": "RemoveEntity",
}
_COMMANDS = " ".join(f'"{c}"' for c in CHEAT_COMMANDS)


class CheatCommandWithoutFlags(Rule):
    code = "SPC504"
    name = "cheat-command-without-flags"
    severity = Severity.WARNING
    item_local = True
    summary = "FakeClientCommand with a cheat command and no FCVAR_CHEAT handling"
    games = L4D_OR_GENERIC
    docs = """
## What it does
Flags `FakeClientCommand(client, "give health")` (and `FakeClientCommandEx`) when the command
is one of L4D2's cheat commands — `give`, `z_spawn`, `z_spawn_old`, `upgrade_add`,
`director_force_panic_event`, `warp_all_survivors_to_checkpoint`, `warp_to_start_area`,
`ent_fire`, `ent_remove` — and the function never calls `SetCommandFlags` (nor a helper whose
name contains `Cheat`, nor touches `sv_cheats`).

## Why is this bad?
These commands carry `FCVAR_CHEAT`: without `sv_cheats 1` the engine ignores them, so the
plugin silently does nothing on a real server.

## Example
```sourcepawn
FakeClientCommand(client, "give health");
```

## Use instead
```sourcepawn
int flags = GetCommandFlags("give");
SetCommandFlags("give", flags & ~FCVAR_CHEAT);
FakeClientCommand(client, "give health");
SetCommandFlags("give", flags);
```
Better, call the game directly: `GivePlayerItem`, or the Left4DHooks natives
(`L4D2_SpawnSpecial`, `L4D2_SpawnTank`, `L4D_RespawnPlayer`, `L4D_SetTempHealth`, ...).
"""
    calls = frozenset({"FakeClientCommand", "FakeClientCommandEx"})
    call_query = f"""
((call_expression
   function: (identifier) @fn
   arguments: (call_arguments . (_) . (string_literal) @command)) @call
 (#any-of? @fn "FakeClientCommand" "FakeClientCommandEx")
 (#match? @command "^\\"\\\\s*({"|".join(CHEAT_COMMANDS)})(\\\\s|\\")"))
"""

    def check(self, match: Match, ctx: Context) -> Iterator[Diagnostic]:
        node = match["command"][0]
        text = ctx.string_value(node) or ""
        words = text.split()
        command = words[0] if words else ""
        if command not in CHEAT_COMMANDS:
            return
        function = ctx.enclosing_function(node)
        if function is None:
            return
        for call in fb.calls(function):
            name = fb.callee(call, ctx.source)
            if name == "SetCommandFlags" or "Cheat" in name or "cheat" in name:
                return
        if b"sv_cheats" in ctx.source[function.start_byte : function.end_byte]:
            return
        yield self.diagnostic(
            ctx,
            node,
            f"`{command}` is a cheat command (FCVAR_CHEAT): without sv_cheats 1 this does nothing; strip the flag "
            f'around it (GetCommandFlags/SetCommandFlags("{command}", flags & ~FCVAR_CHEAT), then restore it) or '
            f"use {CHEAT_COMMANDS[command]}",
        )
