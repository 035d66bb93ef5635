from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Rule
from tree_sitter import Node

# Pre hooks and post hooks are kept apart: an unhook must name the same side.
_SIDE = {
    "EventHookMode_Pre": "pre",
    "EventHookMode_Post": "post",
    "EventHookMode_PostNoCopy": "post",
}


class UnhookWithoutHook(Rule):
    code = "SPC208"
    name = "unhook-without-hook"
    severity = Severity.WARNING
    item_local = True
    summary = "UnhookEvent for an event and callback the file never hooks"
    docs = """
## What it does
Checks each `UnhookEvent("x", Callback)` against the file's `HookEvent`/`HookEventEx` calls: the
same event name and callback must be hooked somewhere, on the same side (a Pre hook is removed
with `EventHookMode_Pre`, a Post or PostNoCopy hook with a Post mode). Unhooks whose event name
is not a literal, or whose callback is defined in another file, are not checked.

## Why is this bad?
SourceMod throws when asked to remove a hook that does not exist ("Game event \\"x\\" has no
active hooks" or "Invalid hook callback specified for game event \\"x\\""): the plugin errors
when it unloads or when a toggle ConVar changes, and the real hook (with another name or
callback) is never removed.

## Example
```sourcepawn
HookEvent("player_death", Event_PlayerDeath);
...
UnhookEvent("player_death", Event_Death);
```

## Use instead
```sourcepawn
HookEvent("player_death", Event_PlayerDeath);
...
UnhookEvent("player_death", Event_PlayerDeath);
```
"""
    calls = frozenset({"UnhookEvent"})

    def check_call(self, call: Node, callee: str, ctx: Context) -> Iterator[Diagnostic]:
        args = ctx.args(call)
        fn = call.child_by_field_name("function")
        if fn is None or fn.type != "identifier" or len(args) < 2 or args[1].type != "identifier":
            return
        event = ctx.string_value(args[0])
        callback = ctx.text(args[1])
        if event is None or callback not in ctx.model.functions or _part_file(ctx):
            return
        hooks = ctx.model.hooks_of(callback)
        if any(h.event is None for h in hooks):
            return  # hooked through a computed name: it may be this one
        same = [h for h in hooks if h.event and h.event.lower() == event.lower()]
        if not same:
            hooked = sorted({h.event for h in hooks if h.event})
            message = f'UnhookEvent("{event}", {callback}) but the file never hooks "{event}" with {callback}'
            if hooked:
                message += f"; {callback} is hooked to " + ", ".join(f'"{e}"' for e in hooked)
            others = sorted(
                {h.callback for h in ctx.model.hooks if h.function != "UnhookEvent" and h.event == event and h.callback}
            )
            if others:
                message += f'; "{event}" is hooked with ' + ", ".join(others)
            message += ". SourceMod throws when removing a hook that does not exist."
            yield self.diagnostic(ctx, call, message)
            return
        mode = ctx.text(args[2]) if len(args) > 2 else "EventHookMode_Post"
        side = _SIDE.get(mode)
        sides = {_SIDE.get(h.mode) for h in same}
        if side is None or None in sides or side in sides:
            return
        hooked_mode = next(h.mode for h in same)
        yield self.diagnostic(
            ctx,
            args[2] if len(args) > 2 else call,
            f'"{event}" is hooked with {hooked_mode} but unhooked with {mode}: SourceMod '
            f"keeps pre and post hooks apart and throws; unhook with {hooked_mode}",
        )


def _part_file(ctx: Context) -> bool:
    """A file included by a plugin (no plugin info, no OnPluginStart): the plugin's other files
    may hold the hook."""
    return not ctx.contains(b"myinfo") and "OnPluginStart" not in ctx.model.functions
