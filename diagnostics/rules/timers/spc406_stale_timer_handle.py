from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Match, Rule
from spcopilot.diagnostics.rules.timers import function_body as fb
from spcopilot.diagnostics.rules.timers.timer_flags import unknown_flags
from tree_sitter import Node

# At level end SourceMod calls OnClientDisconnect(_Post) for every client, then OnMapEnd, and only
# then removes TIMER_FLAG_NO_MAPCHANGE timers (core/sourcemod.cpp LevelShutdown,
# PlayerManager::OnSourceModLevelEnd): killing the timer there is fine, and clearing the variable
# there (or in OnMapStart, before anything kills it) is the fix.
_LEVEL_END = ("OnMapEnd", "OnClientDisconnect", "OnClientDisconnect_Post", "OnMapStart")
# Events plugins treat as "the map is over"; clearing the variable there is accepted too.
_END_EVENTS = frozenset({"round_end", "map_transition", "mission_lost", "finale_win"})


@dataclass
class _File:
    created: list[tuple[Node, Node]] = field(default_factory=list)  # (handle expression, CreateTimer call)
    killed: list[tuple[str, Node]] = field(default_factory=list)  # (variable, kill statement or call)


class StaleTimerHandle(Rule):
    code = "SPC406"
    name = "stale-timer-handle"
    severity = Severity.WARNING
    summary = "A global timer handle that is killed later but not cleared when the timer ends"
    docs = """
## What it does
Flags `g_hTimer = CreateTimer(..., Callback, ...)` when the file later kills `g_hTimer`
(`delete`, `KillTimer`, `CloseHandle`) but the timer can end without `g_hTimer` being cleared:
- a one-shot timer whose callback never sets `g_hTimer = null`;
- a repeating timer whose callback returns `Plugin_Stop` without setting `g_hTimer = null`;
- a `TIMER_FLAG_NO_MAPCHANGE` timer (freed by SourceMod at map change) when nothing clears the
  variable in `OnMapEnd`.

## Why is this bad?
When a timer ends its handle is freed, but the global still holds the old value. The next
`KillTimer(g_hTimer)` or `delete g_hTimer` (often on round start, right before re-creating it)
closes a freed handle: "Invalid timer handle" errors, and the plugin function stops there.

## Example
```sourcepawn
public void Event_RoundStart(Event event, const char[] name, bool dontBroadcast)
{
    delete g_hTimer;
    g_hTimer = CreateTimer(30.0, Timer_Warn);
}

public Action Timer_Warn(Handle timer)
{
    PrintToChatAll("30 seconds left");
    return Plugin_Stop;
}
```

## Use instead
```sourcepawn
public Action Timer_Warn(Handle timer)
{
    g_hTimer = null;
    PrintToChatAll("30 seconds left");
    return Plugin_Stop;
}
```
For `TIMER_FLAG_NO_MAPCHANGE` timers also add `public void OnMapEnd() { g_hTimer = null; }`
(or `delete g_hTimer;` there, which clears it too).
"""
    calls = frozenset({"CloseHandle", "KillTimer"})
    call_query = """
((call_expression
   function: (identifier) @killer
   arguments: (call_arguments . [(identifier) (array_indexed_access)] @killed)) @kill
 (#any-of? @killer "KillTimer" "CloseHandle"))
"""
    query = """
((assignment_expression
   left: [(identifier) (array_indexed_access)] @handle
   right: (call_expression function: (identifier) @fn) @call)
 (#eq? @fn "CreateTimer"))
(delete_statement free: [(identifier) (array_indexed_access)] @killed) @kill
"""

    def __init__(self) -> None:
        self._files: dict[int, _File] = {}

    def check(self, match: Match, ctx: Context) -> Iterator[Diagnostic]:
        state = self._files.setdefault(id(ctx), _File())
        if "call" in match:
            state.created.append((match["handle"][0], match["call"][0]))
        else:
            name = fb.name_of(match["killed"][0], ctx.source)
            if name:
                state.killed.append((name, match["kill"][0]))
        return iter(())

    def finish(self, ctx: Context) -> Iterator[Diagnostic]:
        state = self._files.pop(id(ctx), None)
        if state is None:
            return
        for handle, call in state.created:
            found = self._stale(handle, call, state, ctx)
            if found:
                yield self.diagnostic(ctx, handle, found)

    def _stale(self, handle: Node, call: Node, state: _File, ctx: Context) -> str | None:
        name = fb.name_of(handle, ctx.source)
        creator = ctx.enclosing_function(call)
        if not name or name not in ctx.model.defined or creator is None or _is_local(creator, name, handle, ctx):
            return None
        args = fb.arguments(call)
        callback_name = fb.text(args[1], ctx.source) if len(args) > 1 and args[1].type == "identifier" else ""
        callback = ctx.model.functions.get(callback_name)
        if callback is None:
            return None
        kills = [
            node
            for killed, node in state.killed
            if killed == name
            and not _inside(node, callback)
            and not _is_local(ctx.enclosing_function(node), name, node, ctx)
        ]
        if not kills:
            return None
        where = f"line {ctx.lines.line_of(kills[0].start_byte) + 1}"
        flags = fb.text(args[3], ctx.source) if len(args) > 3 else ""
        if len(args) > 3 and unknown_flags(args[3], ctx.source):
            return None  # flags from a variable or macro: cannot tell whether the timer repeats
        cleared = _clears(callback, name, ctx)
        shown = fb.text(handle, ctx.source)
        freed = f'so the next kill of `{shown}` ({where}) closes a freed handle ("Invalid timer handle")'
        if "TIMER_REPEAT" not in flags and not cleared:
            return (
                f"`{shown}` still holds this one-shot timer after it fires: `{callback_name}` never sets "
                f"`{shown} = null`, {freed}; clear it at the start of `{callback_name}`"
            )
        if "TIMER_REPEAT" in flags and not cleared and _stops(callback, ctx):
            return (
                f"`{callback_name}` returns Plugin_Stop without setting `{shown} = null`, {freed}; "
                f"clear it before returning Plugin_Stop"
            )
        if "TIMER_FLAG_NO_MAPCHANGE" in flags:
            outside_map_end = [k for k in kills if _function_name(k, ctx) != "OnMapEnd"]
            if outside_map_end and not any(_clears(f, name, ctx) for f in _map_end_functions(ctx)):
                where = f"line {ctx.lines.line_of(outside_map_end[0].start_byte) + 1}"
                return (
                    f"this TIMER_FLAG_NO_MAPCHANGE timer is freed by SourceMod at map change, but nothing clears "
                    f'`{shown}` then, so the next kill of `{shown}` ({where}) closes a freed handle ("Invalid timer '
                    f'handle"); clear it in OnMapEnd'
                )
        return None


def _map_end_functions(ctx: Context) -> list[Node]:
    names = set(_LEVEL_END) | {h.callback for h in ctx.model.hooks if h.callback and h.event in _END_EVENTS}
    return [ctx.model.functions[n] for n in sorted(names) if n in ctx.model.functions]


def _inside(node: Node, function: Node) -> bool:
    return function.start_byte <= node.start_byte < function.end_byte


def _is_local(function: Node | None, name: str, at: Node, ctx: Context) -> bool:
    """`name` at `at` is a parameter or local of `function` (the semantic model's scopes)."""
    return function is not None and ctx.local_declaration(function, name, at.start_byte) is not None


def _function_name(node: Node, ctx: Context) -> str:
    function = ctx.enclosing_function(node)
    return ctx.function_name(function) if function is not None else ""


def _clears(function: Node, name: str, ctx: Context, depth: int = 3, seen: set[int] | None = None) -> bool:
    """Does the function, or a function of this file it calls (a few levels deep), assign `name`
    (`= null`, `= INVALID_HANDLE`, a new timer) or `delete` it (which also sets it to null)?"""
    seen = seen if seen is not None else set()
    seen.add(function.id)
    if name in fb.assigned_names(function, ctx.source):
        return True
    if any(killed == name and node.type == "delete_statement" for killed, node in fb.closes(function, ctx.source)):
        return True
    if depth > 0:
        for call in fb.calls(function):
            callee = ctx.model.functions.get(fb.callee(call, ctx.source))
            if callee is not None and callee.id not in seen and _clears(callee, name, ctx, depth - 1, seen):
                return True
    return False


def _stops(function: Node, ctx: Context) -> bool:
    return any(fb.text(r.child_by_field_name("expression"), ctx.source) == "Plugin_Stop" for r in fb.returns(function))
