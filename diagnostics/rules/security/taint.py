"""Where a string buffer came from, inside one function: text a player controls (a name, a
client setting, chat, a command argument) or not. Shared by SPC501 (SQL) and SPC510 (server
commands).

A buffer is tainted when, before the use, a taint source writes it (GetClientName, GetCmdArg,
...) or a Format/strcopy copies a tainted buffer or a `%N` name into it, and it was not
escaped or checked: written as the output of SQL_EscapeString/db.Escape, or passed to
ReplaceString/StrContains/StrEqual (the plugin stripped characters or compared it to a
whitelist). Steam ids (GetClientAuthId) and config files (KeyValues) are not player text.
"""

from __future__ import annotations

from dataclasses import dataclass

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.rules.security.format_strings import format_arguments
from spcopilot.diagnostics.rules.timers import function_body as fb
from tree_sitter import Node

# call name -> (index of the buffer it fills, what the text is)
SOURCES = {
    "GetClientName": (1, "a player name (GetClientName)"),
    "GetClientInfo": (2, "a client setting (GetClientInfo)"),
    "GetCmdArg": (1, "a command argument (GetCmdArg)"),
    "GetCmdArgString": (0, "the command's argument text (GetCmdArgString)"),
}
COMMAND_ARGUMENTS = frozenset({"GetCmdArg", "GetCmdArgString"})
# Event string fields a player controls; other fields (weapon, map names) are the game's.
PLAYER_EVENT_KEYS = frozenset({"name", "newname", "oldname", "text", "reason", "message"})
# Forwards whose third parameter is what the player typed in chat.
CHAT_FORWARDS = frozenset({"OnClientSayCommand", "OnClientSayCommand_Post"})
# call name -> index of the buffer it writes escaped text into
ESCAPES = {"SQL_EscapeString": 2, "SQL_QuoteString": 2, "Escape": 1}
# Calls after which the plugin has checked or stripped the text: ReplaceString(x, ..., "'", ""),
# StrContains(x, ";"), a whitelist (`if (!StrEqual(x, "steam") && ...) return`), IsMapValid(x).
CLEANERS = frozenset(
    {
        "ReplaceString",
        "ReplaceStringEx",
        "StrContains",
        "FindCharInString",
        "StrEqual",
        "strcmp",
        "strncmp",
        "IsMapValid",
        "FindMap",
    }
)
COPIES = {"strcopy": (0, 2), "StrCat": (0, 2)}  # name -> (destination, source)
_DEPTH = 4


@dataclass(frozen=True, slots=True)
class Taint:
    what: str  # "a player name (GetClientName)"
    escaped_into: str = ""  # set when the text was escaped, but into another buffer


def taint_of(node: Node, ctx: Context, *, command_arguments: bool = True) -> Taint | None:
    """Is this argument (a buffer variable) player-controlled text at this point of its function?"""
    name = fb.name_of(node, ctx.source)
    function = ctx.enclosing_function(node)
    if not name or function is None:
        return None
    return _taint(name, node.start_byte, function, ctx, command_arguments, _DEPTH)


def _taint(name: str, before: int, function: Node, ctx: Context, command_arguments: bool, depth: int) -> Taint | None:
    source = ctx.source
    params = fb.parameter_names(function, source)
    found: Taint | None = None
    if ctx.function_name(function) in CHAT_FORWARDS and len(params) > 2 and params[2] == name:
        found = Taint("what the player typed in chat")
    escaped_into = ""
    for call in fb.calls(function):
        if call.start_byte >= before:
            break
        fn = fb.callee(call, source)
        args = fb.arguments(call)
        written = _written(fn, args, source)
        if fn in ESCAPES and len(args) > ESCAPES[fn]:
            if written == name:
                return None
            if fb.name_of(args[ESCAPES[fn] - 1], source) == name:
                escaped_into = fb.name_of(args[ESCAPES[fn]], source)
            continue
        if fn in CLEANERS and name in {fb.name_of(a, source) for a in args[:2]}:
            return None
        if written == name:  # the last write before the use decides
            found = _source_taint(fn, call, args, function, ctx, command_arguments, depth)
    if found is not None and escaped_into:
        return Taint(found.what, escaped_into)
    return found


def _written(fn: str, args: list[Node], source: bytes) -> str:
    """The buffer a call writes, for the calls this module knows."""
    index = None
    if fn in SOURCES:
        index = SOURCES[fn][0]
    elif fn in ESCAPES:
        index = ESCAPES[fn]
    elif fn in ("Format", "FormatEx") or fn in COPIES:
        index = 0
    elif fn == "GetString":
        index = 1
    elif fn == "GetEventString":
        index = 2
    return fb.name_of(args[index], source) if index is not None and len(args) > index else ""


def _source_taint(
    fn: str, call: Node, args: list[Node], function: Node, ctx: Context, command_arguments: bool, depth: int
) -> Taint | None:
    source = ctx.source
    if fn in SOURCES:
        if fn in COMMAND_ARGUMENTS and not command_arguments:
            return None
        return Taint(SOURCES[fn][1])
    if fn in ("GetString", "GetEventString"):
        key = ctx.string_value(args[0] if fn == "GetString" else args[1])
        return Taint(f'the event\'s "{key}" field') if key in PLAYER_EVENT_KEYS else None
    if depth <= 0:
        return None
    if fn in COPIES:
        copied = fb.name_of(args[COPIES[fn][1]], source) if len(args) > COPIES[fn][1] else ""
        inner = _taint(copied, call.start_byte, function, ctx, command_arguments, depth - 1) if copied else None
        return Taint(inner.what) if inner is not None else None
    if fn in ("Format", "FormatEx") and fb.receiver(call, source) == "":
        parsed = format_arguments(call, 2, ctx)
        if parsed is None:
            return None
        for letter, arg in parsed[1]:
            if letter in "NL":
                return Taint("a player name (%N)")
            copied = fb.name_of(arg, source) if letter == "s" else ""
            inner = _taint(copied, call.start_byte, function, ctx, command_arguments, depth - 1) if copied else None
            if inner is not None:
                return Taint(inner.what)
    return None
