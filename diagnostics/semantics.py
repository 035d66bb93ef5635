"""The file model: what a plugin defines, includes and hooks, from one query over the tree.

Rules ask it "which events is this callback hooked to", "is this name defined here",
"which function encloses this node" instead of walking the tree themselves.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from tree_sitter import Node, QueryCursor, Tree

from spcopilot.diagnostics.parsing import compile_query

MODEL_QUERY = """
(function_definition name: (identifier) @function.name) @function
(function_declaration name: (identifier) @declaration.name) @declaration
(methodmap name: (identifier) @defined.name)
(enum name: (identifier) @defined.name)
(enum_entry name: (identifier) @defined.name)
(enum_struct name: (identifier) @defined.name)
(typedef name: (identifier) @defined.name)
(typeset name: (identifier) @defined.name)
(funcenum name: (identifier) @defined.name)
(functag name: (identifier) @defined.name)
(preproc_define name: (identifier) @defined.name)
(preproc_macro name: (identifier) @defined.name)
(global_variable_declaration (variable_declaration name: (identifier) @defined.name))
(old_global_variable_declaration (old_variable_declaration name: (identifier) @defined.name))
(preproc_include path: (_) @include.path) @include
(preproc_tryinclude path: (_) @include.path) @include
((call_expression function: (identifier) @call.name arguments: (call_arguments) @call.args) @call
  (#any-of? @call.name "HookEvent" "HookEventEx" "UnhookEvent" "CreateTimer" "CreateDataTimer"
   "RegConsoleCmd" "RegAdminCmd" "RegServerCmd" "AddCommandListener" "SDKHook" "SDKHookEx"))
"""


@dataclass(frozen=True, slots=True)
class Include:
    name: str  # as written, without the brackets/quotes
    system: bool  # <name> rather than "name"
    node: Node
    optional: bool = False  # #tryinclude


@dataclass(frozen=True, slots=True)
class EventHook:
    function: str  # HookEvent / HookEventEx / UnhookEvent
    event: str | None  # None when the name is not a string literal
    event_node: Node | None
    callback: str | None
    mode: str  # EventHookMode_Post, _Pre, _PostNoCopy
    call: Node


@dataclass(frozen=True, slots=True)
class Registration:
    """A call that hands a callback to SourceMod: timers, commands, SDK hooks."""

    function: str
    callback: str | None
    args: tuple[Node, ...]
    call: Node


@dataclass(slots=True)
class FileModel:
    source: bytes
    functions: dict[str, Node] = field(default_factory=dict)
    declarations: dict[str, Node] = field(default_factory=dict)  # natives, forwards
    defined: set[str] = field(default_factory=set)
    includes: list[Include] = field(default_factory=list)
    hooks: list[EventHook] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)
    _hooks_by_callback: dict[str, list[EventHook]] = field(default_factory=lambda: defaultdict(list))

    def text(self, node: Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def hooks_of(self, callback: str) -> list[EventHook]:
        """The HookEvent/HookEventEx calls that name this callback (UnhookEvent excluded)."""
        return self._hooks_by_callback.get(callback, [])

    def events_of(self, callback: str) -> set[str] | None:
        """The events a callback is hooked to; None if any of its hooks names a non-literal event
        (then nobody can say which fields it may read)."""
        hooks = self.hooks_of(callback)
        if any(h.event is None for h in hooks):
            return None
        return {h.event for h in hooks if h.event}

    def registrations_of(self, *functions: str) -> list[Registration]:
        return [r for r in self.registrations if r.function in functions]

    def is_defined(self, name: str) -> bool:
        return name in self.defined


def call_arguments(args_node: Node) -> list[Node]:
    return [c for c in args_node.named_children if c.type != "comment"]


def string_value(node: Node | None, source: bytes) -> str | None:
    """The value of a plain string literal, or None for anything else (concatenations, macros)."""
    if node is None or node.type != "string_literal":
        return None
    raw = source[node.start_byte + 1 : node.end_byte - 1]
    if b"\\" in raw:
        raw = raw.replace(b'\\"', b'"').replace(b"\\\\", b"\\")
    return raw.decode("utf-8", "replace")


def enclosing_function(node: Node) -> Node | None:
    current = node.parent
    while current is not None:
        if current.type in ("function_definition", "methodmap_method", "methodmap_method_constructor",
                            "methodmap_property_method", "enum_struct_method"):
            return current
        current = current.parent
    return None


def function_name(function: Node, source: bytes) -> str:
    name = function.child_by_field_name("name")
    return source[name.start_byte : name.end_byte].decode("utf-8", "replace") if name else ""


def parameters(function: Node, source: bytes) -> list[tuple[str, Node]]:
    """(name, parameter node) of a function definition, in order."""
    params = function.child_by_field_name("parameters")
    out = []
    for p in params.named_children if params else ():
        name = p.child_by_field_name("name")
        if name is not None:
            out.append((source[name.start_byte : name.end_byte].decode("utf-8", "replace"), p))
    return out


def build_model(tree: Tree, source: bytes) -> FileModel:
    model = FileModel(source)
    text = model.text
    for _, caps in QueryCursor(compile_query(MODEL_QUERY)).matches(tree.root_node):
        if "function" in caps:
            name = text(caps["function.name"][0])
            model.functions.setdefault(name, caps["function"][0])
            model.defined.add(name)
        elif "declaration" in caps:
            name = text(caps["declaration.name"][0])
            model.declarations.setdefault(name, caps["declaration"][0])
            model.defined.add(name)
        elif "defined.name" in caps:
            model.defined.add(text(caps["defined.name"][0]))
        elif "include" in caps:
            path = caps["include.path"][0]
            raw = text(path).strip()
            model.includes.append(
                Include(raw.strip('<>"'), raw.startswith("<"), caps["include"][0], caps["include"][0].type == "preproc_tryinclude")
            )
        elif "call" in caps:
            _add_call(model, text(caps["call.name"][0]), caps["call"][0], caps["call.args"][0])
    for hook in model.hooks:
        if hook.callback and hook.function != "UnhookEvent":
            model._hooks_by_callback[hook.callback].append(hook)
    return model


def _add_call(model: FileModel, name: str, call: Node, args_node: Node) -> None:
    args = call_arguments(args_node)
    if name in ("HookEvent", "HookEventEx", "UnhookEvent"):
        event_node = args[0] if args else None
        callback = model.text(args[1]) if len(args) > 1 and args[1].type == "identifier" else None
        mode = model.text(args[2]) if len(args) > 2 else "EventHookMode_Post"
        model.hooks.append(EventHook(name, string_value(event_node, model.source), event_node, callback, mode, call))
        return
    position = {"CreateTimer": 1, "CreateDataTimer": 1, "SDKHook": 2, "SDKHookEx": 2}.get(name, 1)
    if name == "AddCommandListener":
        position = 0
    callback = model.text(args[position]) if len(args) > position and args[position].type == "identifier" else None
    model.registrations.append(Registration(name, callback, tuple(args), call))
