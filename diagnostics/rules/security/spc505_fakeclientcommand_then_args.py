from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Match, Rule
from spcopilot.diagnostics.rules.timers import function_body as fb

ARGUMENT_READERS = frozenset(
    {
        "GetCmdArg",
        "GetCmdArgString",
        "GetCmdArgs",
        "GetCmdArgInt",
        "GetCmdArgFloat",
        "GetCmdArgIntEx",
        "GetCmdArgFloatEx",
    }
)
COMMAND_REGISTRATIONS = ("RegConsoleCmd", "RegAdminCmd", "AddCommandListener")


class FakeClientCommandThenArgs(Rule):
    code = "SPC505"
    name = "fakeclientcommand-then-args"
    severity = Severity.WARNING
    item_local = True
    summary = "FakeClientCommand in a command callback before reading the command's arguments"
    fixable = True
    docs = """
## What it does
Inside a command callback (`RegConsoleCmd`, `RegAdminCmd`, `AddCommandListener`), flags
`FakeClientCommand(...)` when the same function reads its command arguments afterwards
(`GetCmdArg`, `GetCmdArgString`, `GetCmdArgs`, `GetCmdArgInt`, `GetCmdArgFloat`).

## Why is this bad?
`FakeClientCommand` runs the command at once and overwrites the command tokenization buffer
(console.inc): the `GetCmdArg*` calls after it read the fake command's arguments, not the ones
the player typed.

## Example
```sourcepawn
public Action Cmd_Buy(int client, int args)
{
    FakeClientCommand(client, "give ammo");
    char item[32];
    GetCmdArg(1, item, sizeof(item));
    ...
}
```

## Use instead
```sourcepawn
FakeClientCommandEx(client, "give ammo");
```
`FakeClientCommandEx` queues the command for the next frame. Or read the arguments first.
"""
    calls = frozenset({"FakeClientCommand"})
    call_query = """
((call_expression function: (identifier) @fn) @call (#eq? @fn "FakeClientCommand"))
"""

    def check(self, match: Match, ctx: Context) -> Iterator[Diagnostic]:
        call, fn = match["call"][0], match["fn"][0]
        function = ctx.enclosing_function(call)
        if function is None:
            return
        name = ctx.function_name(function)
        if not any(r.callback == name for r in ctx.model.registrations_of(*COMMAND_REGISTRATIONS)):
            return
        later = [
            c
            for c in fb.calls(function)
            if c.start_byte > call.end_byte
            and fb.callee(c, ctx.source) in ARGUMENT_READERS
            and not fb.receiver(c, ctx.source)
        ]
        if not later:
            return
        reader = fb.callee(later[0], ctx.source)
        line = ctx.lines.line_of(later[0].start_byte) + 1
        yield self.diagnostic(
            ctx,
            fn,
            f"FakeClientCommand overwrites the command's arguments, and `{name}` reads them afterwards with {reader} "
            f"(line {line}); use FakeClientCommandEx (runs next frame) or read the arguments first",
            fix=self.fix(
                ctx, "Use FakeClientCommandEx", (fn.start_byte, fn.end_byte, "FakeClientCommandEx"), safe=False
            ),
        )
