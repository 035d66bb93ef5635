from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.knowledge.events import EVENT_NAME_FUNCTIONS, misnames
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import L4D_OR_GENERIC, Rule
from tree_sitter import Node


class MisnamedEvent(Rule):
    code = "SPC201"
    name = "misnamed-event"
    severity = Severity.ERROR
    item_local = True
    summary = "Hooks an event name that L4D2 does not have, where the real name is known"
    games = L4D_OR_GENERIC
    fixable = True
    docs = """
## What it does
Checks the first argument of `HookEvent`, `HookEventEx`, `UnhookEvent` and `CreateEvent`
against the event names people and models write for Left 4 Dead 2 that the game does not
have: `pounce` (the event is `lunge_pounce`), `smoker_tongue_grab` (`tongue_grab`),
`boomer_vomit` (`player_now_it`), `charger_grab` (`charger_carry_start`), `witch_death`
(`witch_killed`), ... Only that argument is checked: the string `"pounce"` elsewhere (a
`StrContains` on an event name, a string table) is legitimate.

## Why is this bad?
`HookEvent` fails at runtime ("Game event \"pounce\" does not exist") and the plugin stops
loading, or with `HookEventEx` the hook silently never fires.

## Example
```sourcepawn
HookEvent("pounce", Event_Pounce);
```

## Use instead
```sourcepawn
HookEvent("lunge_pounce", Event_Pounce);
```
"""
    calls = EVENT_NAME_FUNCTIONS

    def check_call(self, call: Node, callee: str, ctx: Context) -> Iterator[Diagnostic]:
        args = ctx.args(call)
        if not args or call.child_by_field_name("function").type != "identifier":  # type: ignore[union-attr]
            return
        node = args[0]
        name = ctx.string_value(node)
        wrong = misnames().get(name or "")
        if wrong is None or name in ctx.event_catalogue:
            return
        options = " or ".join(f'"{r}"' for r in wrong.replacements)
        message = f'L4D2 has no event "{name}"; use {options}'
        if wrong.note:
            message += f" ({wrong.note})"
        fix = None
        if wrong.fix:
            fix = self.fix(ctx, f'Replace with "{wrong.fix}"', (node.start_byte, node.end_byte, f'"{wrong.fix}"'))
        yield self.diagnostic(ctx, node, message, fix=fix)
