"""What a plugin really does, read from its parse tree: the facts instructions are written from.

Plugin name and description (`myinfo`, #define values resolved), the events it hooks, the
commands and ConVars it registers, the forwards it implements, the SourceMod API it calls,
SDK hooks and netprops; and the same per function (for function-level prompts).
The engine's file model (`semantics.build_model`) supplies hooks, registrations and definitions.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from spcopilot.diagnostics.knowledge.events import EVENT_GETTERS
from spcopilot.diagnostics.matching import query_matches
from spcopilot.diagnostics.parsing import Node, parse
from spcopilot.diagnostics.semantics import (
    FileModel,
    build_model,
    call_arguments,
    enclosing_function,
    function_name,
    string_value,
)

CALLS = """
(call_expression function: (identifier) @callee arguments: (call_arguments) @args) @call
(call_expression function: (field_access field: (identifier) @method) arguments: (call_arguments) @args) @call
"""
MYINFO = '(struct_declaration (identifier) (identifier) @var (struct_constructor) @body (#eq? @var "myinfo"))'
PROP_ACCESSORS = frozenset(
    f"{verb}EntProp{kind}" for verb in ("Get", "Set") for kind in ("", "Float", "Ent", "Vector", "String")
)
_FORWARD_NAME = re.compile(r"^(On|L4D2?_On|AskPluginLoad)")
# Natives nearly every plugin calls: they say nothing about what this one does.
UBIQUITOUS = frozenset(
    """
    IsClientInGame IsClientConnected GetClientOfUserId GetClientUserId IsFakeClient GetClientTeam
    IsPlayerAlive HookEvent HookEventEx CreateConVar RegConsoleCmd RegAdminCmd RegServerCmd
    LoadTranslations AutoExecConfig Format FormatEx PrintToServer strcopy StrEqual GetCmdArg
    GetCmdArgs ReplyToCommand IsValidEntity IsValidEdict GetEngineVersion SetFailState
    """.split()
)


@dataclass(slots=True)
class Command:
    name: str
    kind: str  # RegConsoleCmd / RegAdminCmd / RegServerCmd
    flag: str = ""
    description: str = ""
    callback: str = ""


@dataclass(slots=True)
class FunctionFacts:
    name: str
    node: Node
    events: list[str] = field(default_factory=list)  # events it is hooked to
    command: str = ""  # the command it handles
    command_description: str = ""
    command_flag: str = ""  # RegAdminCmd's flag
    fields: list[str] = field(default_factory=list)  # event fields it reads
    calls: list[str] = field(default_factory=list)  # API it calls, first use first
    timer: bool = False  # it is a timer callback


@dataclass(slots=True)
class PluginFacts:
    name: str = ""
    description: str = ""
    events: list[str] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    convars: list[tuple[str, str]] = field(default_factory=list)  # (name, description)
    forwards: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)  # API the plugin calls (not defined here), most used first
    sdkhooks: list[str] = field(default_factory=list)
    netprops: list[str] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)
    functions: dict[str, FunctionFacts] = field(default_factory=dict)

    defined: frozenset[str] = frozenset()  # names the file itself defines

    def defines(self, name: str) -> bool:
        return name in self.defined

    @property
    def notable_calls(self) -> list[str]:
        return [c for c in self.calls if c not in UBIQUITOUS]


def _unquote(model: FileModel, node: Node) -> str:
    value = string_value(node, model.source)
    if value is not None:
        return value
    if node.type == "identifier":  # a #define NAME "value"
        defined = model.define_values.get(model.text(node), "")
        if len(defined) >= 2 and defined.startswith('"') and defined.endswith('"'):
            return defined[1:-1]
    return ""


def _myinfo(model: FileModel, root: Node) -> dict[str, str]:
    found: dict[str, str] = {}
    for _, caps in query_matches(MYINFO, root):
        for item in caps["body"][0].named_children:
            if item.type != "struct_field_value" or item.named_child_count < 2:
                continue
            key, value = item.named_children[0], item.named_children[-1]
            found[model.text(key)] = _unquote(model, value).strip()
    return found


def plugin_facts(text: str) -> PluginFacts:
    source = text.encode("utf-8")
    tree = parse(source)
    model = build_model(tree, source)
    facts = PluginFacts()
    info = _myinfo(model, tree.root_node)
    facts.name, facts.description = info.get("name", ""), info.get("description", "")
    facts.includes = [i.name for i in model.includes]
    facts.defined = frozenset(model.defined)
    for name, node in model.functions.items():
        facts.functions[name] = FunctionFacts(name, node)
    for hook in model.hooks:
        if hook.function == "UnhookEvent" or not hook.event:
            continue
        if hook.event not in facts.events:
            facts.events.append(hook.event)
        if hook.callback in facts.functions and hook.event not in facts.functions[hook.callback].events:
            facts.functions[hook.callback].events.append(hook.event)
    for reg in model.registrations:
        if reg.function in ("RegConsoleCmd", "RegAdminCmd", "RegServerCmd") and reg.args:
            command = Command(_unquote(model, reg.args[0]), reg.function, callback=reg.callback or "")
            if reg.function == "RegAdminCmd" and len(reg.args) > 2:
                command.flag = model.text(reg.args[2])
            strings = [s for s in (_unquote(model, a) for a in reg.args[2:]) if s]
            command.description = strings[0] if strings else ""
            if command.name:
                facts.commands.append(command)
                if command.callback in facts.functions:
                    handler = facts.functions[command.callback]
                    if not handler.command:
                        handler.command = command.name
                        handler.command_description = command.description
                        handler.command_flag = command.flag
        elif reg.function in ("CreateTimer", "CreateDataTimer") and reg.callback in facts.functions:
            facts.functions[reg.callback].timer = True
        elif reg.function in ("SDKHook", "SDKHookEx") and len(reg.args) > 1:
            kind = model.text(reg.args[1])
            if kind not in facts.sdkhooks:
                facts.sdkhooks.append(kind)
    # A forward is public, named On*/L4D*_On*, and never named anywhere else (a callback is passed by name).
    facts.forwards = [
        n
        for n, node in model.functions.items()
        if _FORWARD_NAME.match(n) and _public(node) and len(re.findall(rf"\b{n}\b", text)) == 1
    ]
    counts: Counter[str] = Counter()
    for _, caps in query_matches(CALLS, tree.root_node):
        _record_call(model, facts, caps, counts)
    facts.calls = [name for name, _ in counts.most_common()]
    return facts


def _public(function: Node) -> bool:
    return any(c.type in ("visibility", "public") for c in function.children[:2])


def _record_call(model: FileModel, facts: PluginFacts, caps: dict[str, list[Node]], counts: Counter[str]) -> None:
    call = caps["call"][0]
    args = call_arguments(caps["args"][0])
    owner = enclosing_function(call)
    owner_facts = facts.functions.get(function_name(owner, model.source)) if owner is not None else None
    if "method" in caps:
        method = model.text(caps["method"][0])
        if method in EVENT_GETTERS and args and owner_facts is not None:
            name = string_value(args[0], model.source)
            if name and name not in owner_facts.fields:
                owner_facts.fields.append(name)
        return
    callee = model.text(caps["callee"][0])
    if callee in ("GetEventInt", "GetEventBool", "GetEventFloat", "GetEventString") and len(args) > 1:
        name = string_value(args[1], model.source)
        if name and owner_facts is not None and name not in owner_facts.fields:
            owner_facts.fields.append(name)
    if callee == "CreateConVar" and args:
        name = _unquote(model, args[0])
        description = _unquote(model, args[2]) if len(args) > 2 else ""
        if name and all(name != c[0] for c in facts.convars):
            facts.convars.append((name, description))
    if callee in PROP_ACCESSORS and len(args) > 2:
        prop = string_value(args[2], model.source)
        if prop and prop not in facts.netprops:
            facts.netprops.append(prop)
    if model.is_defined(callee):
        return
    counts[callee] += 1
    if owner_facts is not None and callee not in owner_facts.calls:
        owner_facts.calls.append(callee)


__all__ = ["Command", "FunctionFacts", "PluginFacts", "plugin_facts"]
