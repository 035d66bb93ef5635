from __future__ import annotations

import re
from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Match, Rule
from spcopilot.diagnostics.rules.timers import function_body as fb
from tree_sitter import Node

# Natives that act on other players or the whole server. Kicking or banning the caller itself
# ("!quit", "!afk kick") is not privileged.
ON_OTHERS = frozenset({"BanClient", "KickClient", "KickClientEx"})
PRIVILEGED = ON_OTHERS | {
    "BanIdentity",
    "ServerCommand",
    "InsertServerCommand",
    "ForceChangeLevel",
    "SetUserFlagBits",
    "SetUserAdmin",
}
# (ServerExecute only runs what these queued, so it is judged by them.)
SERVER_COMMANDS = frozenset({"ServerCommand", "InsertServerCommand"})
# Calls that check who the caller is (natives and the usual user stocks), or put the action to a vote.
_CHECK = re.compile(r"Admin|Access|FlagBits|Vote|VIP|Vip|Permission|Allowed")


class AdminCommandUnprotected(Rule):
    code = "SPC503"
    name = "admin-command-unprotected"
    severity = Severity.WARNING
    item_local = True
    summary = "A RegConsoleCmd command that kicks, bans or runs server commands with no access check"
    fixable = True
    docs = """
## What it does
Flags `RegConsoleCmd("sm_x", Callback)` when the callback (in the file) calls a privileged
native — `BanClient`, `BanIdentity`, `KickClient`/`KickClientEx` on another player (not a bot),
`ServerCommand`/`InsertServerCommand` with a formatted command, `ForceChangeLevel`,
`SetUserFlagBits`, `SetUserAdmin` — and neither it nor a function of the file it calls checks access
(`CheckCommandAccess`, `GetUserAdmin`, `GetUserFlagBits`, a stock such as `IsClientAdmin`) or
starts a vote.

## Why is this bad?
`RegConsoleCmd` commands can be run by every player. A command that kicks, bans or changes the
map for anyone who types it hands admin powers to the whole server.

## Example
```sourcepawn
RegConsoleCmd("sm_restartmap", Cmd_RestartMap);

public Action Cmd_RestartMap(int client, int args)
{
    char map[64];
    GetCurrentMap(map, sizeof(map));
    ForceChangeLevel(map, "restart");
    return Plugin_Handled;
}
```

## Use instead
```sourcepawn
RegAdminCmd("sm_restartmap", Cmd_RestartMap, ADMFLAG_CHANGEMAP);
```
or, to keep the command overridable, check `CheckCommandAccess(client, "sm_restartmap",
ADMFLAG_CHANGEMAP)` first. The fix uses `RegAdminCmd` with `ADMFLAG_GENERIC`: pick the flag
that fits.
"""
    calls = frozenset({"RegConsoleCmd"})
    call_query = """
((call_expression
   function: (identifier) @fn
   arguments: (call_arguments . (_) @command . (identifier) @callback)) @call
 (#eq? @fn "RegConsoleCmd"))
"""

    def check(self, match: Match, ctx: Context) -> Iterator[Diagnostic]:
        callback = ctx.text(match["callback"][0])
        function = ctx.model.functions.get(callback)
        if function is None:
            return
        privileged = _privileged_call(function, ctx)
        if privileged is None or _checks_access(function, ctx, follow=True):
            return
        what = fb.callee(privileged, ctx.source)
        line = ctx.lines.line_of(privileged.start_byte) + 1
        message = (
            f"any player can run this command: `{callback}` calls {what} (line {line}) without checking access; "
            f"register it with RegAdminCmd and an admin flag, or check CheckCommandAccess(client, ...) first"
        )
        call, fn = match["call"][0], match["fn"][0]
        args = fb.arguments(call)
        edits = [
            (fn.start_byte, fn.end_byte, "RegAdminCmd"),
            (args[1].end_byte, args[1].end_byte, ", ADMFLAG_GENERIC"),
        ]
        if len(args) > 3:  # RegAdminCmd(cmd, cb, flags, description, group, flags): keep the command flags last
            edits.append((args[2].end_byte, args[2].end_byte, ', ""'))
        fix = self.fix(ctx, "Register with RegAdminCmd(..., ADMFLAG_GENERIC)", *edits, safe=False)
        yield self.diagnostic(ctx, fn, message, fix=fix)


def _privileged_call(function: Node, ctx: Context) -> Node | None:
    params = fb.parameter_names(function, ctx.source)
    caller = params[0] if params else ""
    calls = fb.calls(function)
    bots = {
        fb.text(args[0], ctx.source)
        for c in calls
        if fb.callee(c, ctx.source) == "IsFakeClient" and (args := fb.arguments(c))
    }
    for call in calls:
        name = fb.callee(call, ctx.source)
        if name not in PRIVILEGED or fb.receiver(call, ctx.source):
            continue
        args = fb.arguments(call)
        if name in ON_OTHERS and args and fb.text(args[0], ctx.source) in bots | {caller}:
            continue  # the caller itself, or a bot
        if name in SERVER_COMMANDS and len(args) == 1 and args[0].type == "string_literal":
            continue  # one fixed command the author chose to offer ("sb_add")
        return call
    return None


def _checks_access(function: Node, ctx: Context, follow: bool) -> bool:
    for call in fb.calls(function):
        name = fb.callee(call, ctx.source)
        if name not in PRIVILEGED and _CHECK.search(name):
            return True
        helper = ctx.model.functions.get(name)
        if follow and helper is not None and helper.id != function.id and _checks_access(helper, ctx, follow=False):
            return True
    return False
