from __future__ import annotations

import re
from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Match, Rule
from spcopilot.diagnostics.rules.props.entity_kind import looks_like_client
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
# Actions on a player's body: privileged only when done to another player (a `!kill` or `!stuck`
# command that slays or teleports the caller is fine), so only counted when the target is, by name
# or origin, a client that is not the caller (props/entity_kind.py: a FindTarget result, a
# `target`, a 1..MaxClients loop variable, an element of a target list).
ON_OTHER_PLAYERS = frozenset({"ForcePlayerSuicide", "SlapPlayer", "TeleportEntity", "SetEntityHealth"})
# SetEntProp(target, Prop_*, "m_iHealth", value) sets the health too.
HEALTH_PROPS = frozenset({"m_iHealth"})
PROP_SETTERS = frozenset({"SetEntProp"})
# (ServerExecute only runs what these queued, so it is judged by them.)
SERVER_COMMANDS = frozenset({"ServerCommand", "InsertServerCommand"})
# Calls that check who the caller is (natives and the usual user stocks), or put the action to a vote.
_CHECK = re.compile(r"Admin|Access|FlagBits|Vote|VIP|Vip|Permission|Allowed")


class AdminCommandUnprotected(Rule):
    code = "SPC503"
    name = "admin-command-unprotected"
    severity = Severity.WARNING
    item_local = True
    summary = "A RegConsoleCmd command that kicks, bans, slays, slaps, teleports or sets the health of others, or runs server commands, with no access check"
    fixable = True
    docs = """
## What it does
Flags `RegConsoleCmd("sm_x", Callback)` when the callback (in the file) calls a privileged
native — `BanClient`, `BanIdentity`, `KickClient`/`KickClientEx` on another player (not a bot),
`ServerCommand`/`InsertServerCommand` with a formatted command, `ForceChangeLevel`,
`SetUserFlagBits`, `SetUserAdmin`, or slays (`ForcePlayerSuicide`), slaps (`SlapPlayer`),
teleports (`TeleportEntity`) or sets the health (`SetEntityHealth`, `SetEntProp(…, "m_iHealth",
…)`) of another player (a target found from the arguments, a loop over the clients, an aimed-at
player; never the caller itself or a bot) — and neither it nor a function of the file it calls
checks access (`CheckCommandAccess`, `GetUserAdmin`, `GetUserFlagBits`, a stock such as
`IsClientAdmin`) or starts a vote.

## Why is this bad?
`RegConsoleCmd` commands can be run by every player. A command that kicks, bans, slays,
teleports or changes the map for anyone who types it hands admin powers to the whole server
(this is what `sm_slay`, `sm_slap` and `sm_teleport` are admin commands for).

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
ADMFLAG_CHANGEMAP)` first. The fix uses `RegAdminCmd` with `ADMFLAG_SLAY` for slaying, slapping,
teleporting and health (the flag of SourceMod's own `sm_slay` and `sm_slap`) and `ADMFLAG_GENERIC`
otherwise: pick the flag that fits.
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
        on_player = what in ON_OTHER_PLAYERS or what in PROP_SETTERS
        called = f'{what}(…, "m_iHealth", …)' if what in PROP_SETTERS else what
        called += " on another player" if on_player else ""
        line = ctx.lines.line_of(privileged.start_byte) + 1
        message = (
            f"any player can run this command: `{callback}` calls {called} (line {line}) without checking access; "
            f"register it with RegAdminCmd and an admin flag, or check CheckCommandAccess(client, ...) first"
        )
        call, fn = match["call"][0], match["fn"][0]
        args = fb.arguments(call)
        flag = "ADMFLAG_SLAY" if on_player else "ADMFLAG_GENERIC"
        edits = [
            (fn.start_byte, fn.end_byte, "RegAdminCmd"),
            (args[1].end_byte, args[1].end_byte, f", {flag}"),
        ]
        if len(args) > 3:  # RegAdminCmd(cmd, cb, flags, description, group, flags): keep the command flags last
            edits.append((args[2].end_byte, args[2].end_byte, ', ""'))
        fix = self.fix(ctx, f"Register with RegAdminCmd(..., {flag})", *edits, safe=False)
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
        if fb.receiver(call, ctx.source):
            continue
        if name in ON_OTHER_PLAYERS or name in PROP_SETTERS:
            if _acts_on_another_player(call, name, caller, bots, ctx):
                return call
            continue
        if name not in PRIVILEGED:
            continue
        args = fb.arguments(call)
        if name in ON_OTHERS and args and fb.text(args[0], ctx.source) in bots | {caller}:
            continue  # the caller itself, or a bot
        if name in SERVER_COMMANDS and len(args) == 1 and args[0].type == "string_literal":
            continue  # one fixed command the author chose to offer ("sb_add")
        return call
    return None


def _acts_on_another_player(call: Node, name: str, caller: str, bots: set[str], ctx: Context) -> bool:
    args = fb.arguments(call)
    if not args:
        return False
    if name in PROP_SETTERS and (len(args) < 4 or ctx.string_value(args[2]) not in HEALTH_PROPS):
        return False
    target = fb.unwrap(args[0])
    if target is None or fb.text(target, ctx.source) in bots | {caller}:
        return False
    if target.type == "array_indexed_access":  # target_list[i] from ProcessTargetString
        array = target.child_by_field_name("array")
        return array is not None and "target" in fb.text(array, ctx.source).lower()
    return looks_like_client(target, ctx)


def _checks_access(function: Node, ctx: Context, follow: bool) -> bool:
    for call in fb.calls(function):
        name = fb.callee(call, ctx.source)
        if name not in PRIVILEGED and _CHECK.search(name):
            return True
        helper = ctx.model.functions.get(name)
        if follow and helper is not None and helper.id != function.id and _checks_access(helper, ctx, follow=False):
            return True
    return False
