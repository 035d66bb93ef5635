"""A new callback where a function-typed argument is expected: at `CreateTimer(1.0, |` the
candidate `Timer_Callback` inserts its name and adds `public Action Timer_Callback(Handle timer,
any data) { return Plugin_Continue; }` after the enclosing function, with the signature of
the parameter's typedef, typeset (its first member), functag or funcenum."""

from __future__ import annotations

import re

from spcopilot.diagnostics.semantic import Decl
from spcopilot.diagnostics.semantic import symbols as k
from spcopilot.server.features.completion_items import Candidate
from spcopilot.server.features.cursor import Call
from spcopilot.server.features.view import DocumentView

_PREFIX = {
    "Timer": "Timer", "EventHook": "Event", "ConCmd": "Command", "SrvCmd": "Command",
    "CommandListener": "Listener", "MenuHandler": "MenuHandler", "VoteHandler": "VoteHandler",
    "SQLQueryCallback": "SQL", "SQLTxnSuccess": "SQL", "SQLTxnFailure": "SQL", "SQLConnectCallback": "SQL",
    "SQLTCallback": "SQL", "SDKHookCB": "Hook", "NormalSHook": "SoundHook", "AmbientSHook": "SoundHook",
    "ConVarChanged": "ConVarChanged", "TraceEntityFilter": "TraceFilter", "SortFunc1D": "Sort",
    "SortFuncADTArray": "Sort", "RequestFrameCallback": "Frame", "NextFrameCallback": "Frame",
}  # fmt: skip
_RETURN = {"Action": "Plugin_Continue", "bool": "false", "float": "0.0", "Float": "0.0"}
_STRING = re.compile(r'^\s*"([A-Za-z0-9_]+)"\s*$')


def callback_candidates(view: DocumentView, call: Call, offset: int, insert_after: int) -> list[Candidate]:
    """The callback to create for the argument at the cursor (none if it is not a function type)."""
    function_type = _expected_type(view, call)
    if function_type is None or not function_type.variants:
        return []
    return_type, params = function_type.variants[0]
    name = _fresh_name(view, _name_for(view, call, function_type))
    old_syntax = any(":" in p for p in params) or function_type.kind in (k.FUNCTAG, k.FUNCENUM)
    if old_syntax:
        head = f"public {return_type + ':' if return_type and return_type not in ('void', '_') else ''}{name}"
    else:
        head = f"public {return_type or 'void'} {name}"
    value = _RETURN.get(return_type, "0" if return_type and return_type not in ("void", "_") else "")
    body = f"\treturn {value};\n" if value else ""
    function = f"\n\n{head}({', '.join(params)})\n{{\n{body}}}\n"
    return [
        Candidate(
            name,
            "function",
            detail=f"new {function_type.name} callback",
            label_detail="  (new callback)",
            documentation=f"```sourcepawn\n{function.strip()}\n```",
            insert_text=name,
            replace=(offset, offset),
            additional_edits=((insert_after, insert_after, function.rstrip("\n") + "\n"),),
            sort_text="!" + name,
        )
    ]


def _expected_type(view: DocumentView, call: Call) -> Decl | None:
    from spcopilot.server.features.completion import chain_type

    program = view.semantic.program
    callee: Decl | None = None
    if call.receiver is not None:
        receiver = chain_type(view, [call.receiver], call.name_start)
        callee = program.member(receiver, call.name) if receiver else None
    else:
        found = [d for d in program.lookup(call.name) if d.kind in k.CALLABLE_KINDS or d.kind == k.METHODMAP]
        callee = found[0] if found else None
        if callee is not None and callee.kind == k.METHODMAP:
            callee = program.constructor(callee.name)
    if callee is None or call.arg_index >= len(callee.param_decls):
        return None
    expected = program.type_decl(callee.param_decls[call.arg_index].type)
    return expected if expected is not None and expected.kind in k.FUNCTION_TYPE_KINDS else None


def _name_for(view: DocumentView, call: Call, function_type: Decl) -> str:
    prefix = _PREFIX.get(function_type.name, function_type.name)
    suffix = "Callback"
    if call.arg_starts:  # HookEvent("player_death", |  ->  Event_PlayerDeath
        first_end = call.arg_starts[1] - 1 if len(call.arg_starts) > 1 else call.arg_starts[0]
        m = _STRING.match(view.source[call.arg_starts[0] : first_end].decode("utf-8", "replace"))
        if m is not None:
            suffix = "".join(part.capitalize() for part in m.group(1).split("_"))
    return f"{prefix}_{suffix}"


def _fresh_name(view: DocumentView, name: str) -> str:
    program = view.semantic.program
    candidate, n = name, 2
    while program.lookup(candidate):
        candidate, n = f"{name}{n}", n + 1
    return candidate
