from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Match, Rule
from spcopilot.diagnostics.rules.timers import function_body as fb
from spcopilot.diagnostics.rules.timers.handle_ownership import aliases, released
from spcopilot.diagnostics.rules.timers.timer_flags import CLOSE_FLAG, unknown_flags
from tree_sitter import Node


def makes_datapack(value: Node | None, source: bytes) -> bool:
    """`new DataPack()` or `CreateDataPack()`."""
    value = fb.unwrap(value)
    if value is None:
        return False
    if value.type == "new_expression":
        return fb.text(value.child_by_field_name("class"), source) == "DataPack"
    return value.type == "call_expression" and fb.callee(value, source) == "CreateDataPack"


class DataPackTimerLeak(Rule):
    code = "SPC404"
    name = "datapack-timer-leak"
    severity = Severity.WARNING
    item_local = True
    summary = "A DataPack given to CreateTimer that nobody closes"
    fixable = True
    docs = """
## What it does
Flags `CreateTimer(delay, Callback, pack)` where `pack` is a DataPack made in the same function
(`new DataPack()` / `CreateDataPack()`), the flags do not include `TIMER_DATA_HNDL_CLOSE`, and the
callback (in the file) never deletes, returns, stores or hands over its data parameter.

## Why is this bad?
Without the flag the timer does not close its data: every call leaks one handle, until
SourceMod reports a handle leak and unloads the plugin.

## Example
```sourcepawn
DataPack pack = new DataPack();
pack.WriteCell(GetClientUserId(client));
CreateTimer(1.0, Timer_Slap, pack);
```

## Use instead
```sourcepawn
DataPack pack;
CreateDataTimer(1.0, Timer_Slap, pack);
pack.WriteCell(GetClientUserId(client));
```
or keep `CreateTimer` and pass `TIMER_DATA_HNDL_CLOSE` in its flags (what the fix does).
"""
    calls = frozenset({"CreateTimer"})
    call_query = """
((call_expression
   function: (identifier) @fn
   arguments: (call_arguments . (_) . (identifier) @callback . (identifier) @data)) @call
 (#eq? @fn "CreateTimer"))
"""

    def check(self, match: Match, ctx: Context) -> Iterator[Diagnostic]:
        call, data = match["call"][0], match["data"][0]
        function = ctx.enclosing_function(call)
        if function is None:
            return
        name = ctx.text(data)
        declaration = ctx.local_declaration(function, name, data.start_byte)
        if declaration is None or declaration.type == "parameter_declaration":
            return
        made = makes_datapack(fb.initial_value(declaration), ctx.source) or any(
            fb.text(a.child_by_field_name("left"), ctx.source) == name
            and makes_datapack(a.child_by_field_name("right"), ctx.source)
            for a in fb.assignments(function)
        )
        args = fb.arguments(call)
        flags = ctx.text(args[3]) if len(args) > 3 else ""
        if not made or CLOSE_FLAG in flags:
            return
        if unknown_flags(args[3] if len(args) > 3 else None, ctx.source):
            return
        callback = ctx.text(match["callback"][0])
        target = ctx.model.functions.get(callback)
        if target is None:
            return
        params = fb.parameter_names(target, ctx.source)
        if len(params) < 2 or released(target, aliases(target, params[1], ctx.source), ctx.source):
            return
        # Closed (or handed on) by the function that made it, after the timer was started.
        if any(n == name and c.start_byte > call.end_byte for n, c in fb.closes(function, ctx.source)):
            return
        message = (
            f"DataPack `{name}` is given to CreateTimer without {CLOSE_FLAG} and `{callback}` never deletes it: "
            f"one handle leaks every time; use `CreateDataTimer(..., {callback}, {name})` or add {CLOSE_FLAG} to the flags"
        )
        if len(args) == 3:
            edits = [(args[2].end_byte, args[2].end_byte, f", {CLOSE_FLAG}")]
        elif ctx.text(args[3]) in ("_", "0"):
            edits = [(args[3].start_byte, args[3].end_byte, CLOSE_FLAG)]
        elif args[3].type == "identifier" or (args[3].type == "binary_expression" and _operator(args[3], ctx) == "|"):
            edits = [(args[3].end_byte, args[3].end_byte, f" | {CLOSE_FLAG}")]
        else:
            edits = [
                (args[3].start_byte, args[3].start_byte, "("),
                (args[3].end_byte, args[3].end_byte, f") | {CLOSE_FLAG}"),
            ]
        fix = self.fix(ctx, f"Add {CLOSE_FLAG} to the timer flags", *edits, safe=False)
        yield self.diagnostic(ctx, data, message, fix=fix)


def _operator(node: Node, ctx: Context) -> str:
    op = node.child_by_field_name("operator")
    if op is None:
        op = next((c for c in node.children if not c.is_named), None)
    return ctx.text(op) if op is not None else ""
