from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Match, Rule
from spcopilot.diagnostics.rules.security.format_strings import format_arguments
from spcopilot.diagnostics.rules.security.taint import taint_of
from spcopilot.diagnostics.rules.timers import function_body as fb
from tree_sitter import Node

# call -> index of its format argument
_FORMAT_AT = {"ServerCommand": 0, "InsertServerCommand": 0, "ServerCommandEx": 2}


class ServerCommandInjection(Rule):
    code = "SPC510"
    name = "servercommand-injection"
    severity = Severity.WARNING
    item_local = True
    summary = "Player text formatted into a server command"
    docs = """
## What it does
Flags `ServerCommand`, `ServerCommandEx` and `InsertServerCommand` when a `%s` argument (or the
format itself) holds text a player controls in this function: a name from `GetClientName`, a
client setting, chat text, or a command argument (command arguments of `RegAdminCmd` commands
are trusted). A buffer that went through `ReplaceString`/`StrContains` (cleaned or checked) or
`IsMapValid` is not reported.

## Why is this bad?
The server console splits commands at `;` and line breaks. A player named
`x; rcon_password hacked` or a chat message with a `;` runs any server command with the
server's own rights.

## Example
```sourcepawn
char name[MAX_NAME_LENGTH];
GetClientName(target, name, sizeof(name));
ServerCommand("sm_kick %s \\"AFK\\"", name);
```

## Use instead
```sourcepawn
ServerCommand("sm_kick #%d \\"AFK\\"", GetClientUserId(target));
```
Target players by userid (`#%d`, `kickid %d`), or check the text with
`StrContains(text, ";") == -1` (and quotes, line breaks) before using it.
"""
    calls = frozenset({"InsertServerCommand", "ServerCommand", "ServerCommandEx"})
    call_query = """
((call_expression function: (identifier) @fn) @call
 (#any-of? @fn "ServerCommand" "ServerCommandEx" "InsertServerCommand"))
"""

    def check(self, match: Match, ctx: Context) -> Iterator[Diagnostic]:
        call = match["call"][0]
        fn = ctx.text(match["fn"][0])
        function = ctx.enclosing_function(call)
        command_arguments = not (function is not None and _admin_command(ctx.function_name(function), ctx))
        at = _FORMAT_AT[fn]
        args = fb.arguments(call)
        parsed = format_arguments(call, at, ctx)
        if parsed is None:
            if len(args) > at and args[at].type == "identifier":
                yield from self._report(args[at], fn, ctx, command_arguments, as_format=True)
            return
        for letter, arg in parsed[1]:
            if letter == "s":
                yield from self._report(arg, fn, ctx, command_arguments)

    def _report(
        self, arg: Node, fn: str, ctx: Context, command_arguments: bool, as_format: bool = False
    ) -> Iterator[Diagnostic]:
        taint = taint_of(arg, ctx, command_arguments=command_arguments)
        if taint is None:
            return
        name = ctx.text(arg)
        used = "is the command text of" if as_format else "is formatted into"
        if "name" in taint.what:
            advice = 'target the player by userid instead (`"sm_kick #%d"` with GetClientUserId)'
        else:
            advice = "validate it first (IsMapValid for a map) or reject text containing `;`, quotes or line breaks"
        message = f"`{name}` holds {taint.what} and {used} {fn}: a `;` in it runs any server command; {advice}"
        yield self.diagnostic(ctx, arg, message)


def _admin_command(callback: str, ctx: Context) -> bool:
    return any(r.callback == callback for r in ctx.model.registrations_of("RegAdminCmd"))
