from __future__ import annotations

import difflib
from collections.abc import Iterator
from functools import lru_cache

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.knowledge.events import misnames
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Rule
from tree_sitter import Node

# A plugin that asks which game it runs in may hook other games' events behind that check.
_GAME_CHECKS = (b"GetEngineVersion", b"GetGameFolderName")


class UnknownEvent(Rule):
    code = "SPC202"
    name = "unknown-event"
    severity = Severity.WARNING
    item_local = True
    summary = "Hooks or creates an event that Left 4 Dead 2 does not have"
    games = frozenset({"l4d2"})
    fixable = True
    docs = """
## What it does
In L4D2 plugins, checks the event name given to `HookEvent`, `UnhookEvent` and `CreateEvent`
against the game's event list (its `.res` files), and suggests the closest real name.
`HookEventEx` is left alone: it exists to hook events that may be missing. Names with a known
replacement are reported by SPC201 instead, and files that check the engine or game folder
(`GetEngineVersion`, `GetGameFolderName`) are skipped, since their hooks for other games' events
may be guarded.

## Why is this bad?
`HookEvent` on an event the game does not have throws "Game event \\"x\\" does not exist" and
the plugin fails to load; `CreateEvent` returns null and the next call on it errors.

## Example
```sourcepawn
HookEvent("player_incapped", Event_Incap);
```

## Use instead
```sourcepawn
HookEvent("player_incapacitated", Event_Incap);
```
When exactly one event name is very close (a typo), the fix replaces it (unsafe: check that the
event is the one you meant, and that its fields match what the callback reads).
"""
    calls = frozenset({"HookEvent", "UnhookEvent", "CreateEvent"})

    def check_call(self, call: Node, fn: str, ctx: Context) -> Iterator[Diagnostic]:
        args = ctx.args(call)
        function = call.child_by_field_name("function")
        if not args or function is None or function.type != "identifier":
            return
        node = args[0]
        name = ctx.string_value(node)
        catalogue = ctx.event_catalogue
        if not name or name in catalogue or name in misnames():
            return
        if any(n.lower() == name.lower() for n in catalogue.names()):
            return
        if any(ctx.contains(check) for check in _GAME_CHECKS):
            return
        names = catalogue.names()
        close = _suggestions(name, names)
        message = f'{catalogue.game.upper()} has no event "{name}"'
        message += ("; did you mean " + " or ".join(f'"{c}"' for c in close) + "?") if close else "."
        if fn == "CreateEvent":
            message += " CreateEvent returns null for it."
        elif fn == "UnhookEvent":
            message += " UnhookEvent throws, since it cannot have been hooked."
        else:
            message += ' HookEvent throws ("Game event does not exist"); use HookEventEx if the hook is optional.'
        very_close = [c for c in _similar(name, names, 0.9) if difflib.SequenceMatcher(None, name, c).ratio() >= 0.9]
        fix = None
        if len(very_close) == 1:
            fix = self.fix(
                ctx,
                f'Replace with "{very_close[0]}"',
                (node.start_byte, node.end_byte, f'"{very_close[0]}"'),
                safe=False,
            )
        yield self.diagnostic(ctx, node, message, fix=fix)


def _similar(name: str, names: list[str], cutoff: float) -> list[str]:
    """The names whose SequenceMatcher ratio with `name` can reach `cutoff`, in order: the
    ratio is at most difflib's quick_ratio (characters in common, wherever they are), which is
    cheap from character counts made once per catalogue. (A ratio for each of the catalogue's
    ~400 names took ~40 ms: every keystroke while typing an event name.)"""
    return [n for n, bound in _upper_bounds(name, tuple(names)) if bound >= cutoff]


@lru_cache(maxsize=64)
def _upper_bounds(name: str, names: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
    alphabet, counted = _char_counts(names)
    # Characters no catalogue name has are in common with none of them.
    wanted = [name.count(c) for c in alphabet]
    return tuple((n, 2.0 * sum(map(min, wanted, counts)) / (len(name) + len(n))) for n, counts in counted)


@lru_cache(maxsize=4)
def _char_counts(names: tuple[str, ...]) -> tuple[str, tuple[tuple[str, list[int]], ...]]:
    alphabet = "".join(sorted(set("".join(names))))
    return alphabet, tuple((n, [n.count(c) for c in alphabet]) for n in names)


def _suggestions(name: str, names: list[str]) -> list[str]:
    """The closest names (within 0.1 of the best, ratio >= 0.75), plus the few siblings that
    share everything up to the last underscore (`charger_carry_begin` -> `charger_carry_start`)."""
    # Only names that may reach 0.75 can be suggested (or be the best, when one is).
    scored = sorted(
        ((difflib.SequenceMatcher(None, name, n).ratio(), n) for n in _similar(name, names, 0.75)), reverse=True
    )
    best = scored[0][0] if scored else 0.0
    close = [n for r, n in scored[:3] if r >= 0.75 and r >= best - 0.1]
    if name.count("_") >= 2:
        prefix = name.rsplit("_", 1)[0] + "_"
        siblings = [n for n in names if n.startswith(prefix)]
        if len(siblings) <= 4:
            close += [n for n in siblings if n not in close]
    return close[:4]
