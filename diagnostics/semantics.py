"""The file model: what a plugin defines, includes and hooks, from one query over the tree.

Rules ask it "which events is this callback hooked to", "is this name defined here",
"which function encloses this node" instead of walking the tree themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeAlias

from spcopilot.diagnostics.matching import query_matches
from tree_sitter import Node, Tree

# Calls the model records (hooks, timers, commands, SDK hooks). The engine's single call
# pattern delivers them (see engine.py); `build_model` runs MODEL_QUERY + CALL_PATTERN alone.
MODEL_CALLS = frozenset(
    {
        "HookEvent",
        "HookEventEx",
        "UnhookEvent",
        "CreateTimer",
        "CreateDataTimer",
        "RegConsoleCmd",
        "RegAdminCmd",
        "RegServerCmd",
        "AddCommandListener",
        "SDKHook",
        "SDKHookEx",
    }
)


def call_pattern(names: frozenset[str] | set[str]) -> str:
    """One pattern for every call (plain `Foo(...)` and method `x.Foo(...)`) to these names."""
    listed = " ".join(f'"{n}"' for n in sorted(names))
    return (
        "((call_expression function: [(identifier) @callee (field_access field: (identifier) @callee)]) @call"
        f" (#any-of? @callee {listed}))"
    )


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
(preproc_define name: (identifier) @defined.name value: (_)? @define.value)
(preproc_macro name: (identifier) @defined.name)
(global_variable_declaration (variable_declaration name: (identifier) @defined.name) @variable)
(old_global_variable_declaration (old_variable_declaration name: (identifier) @defined.name) @variable)
(preproc_include path: (_) @include.path) @include
(preproc_tryinclude path: (_) @include.path) @include
"""


class StaleNode(LookupError):
    """A Deferred node was not found again (the engine reused an item it should not have)."""


class Deferred(Protocol):
    """A node found again in the current tree when asked for: the incremental engine keeps the
    model facts of unchanged top-level items and rebinds their nodes lazily (incremental.py)."""

    def resolve(self) -> Node: ...


NodeAt: TypeAlias = "Node | Deferred"


def _node(value: NodeAt) -> Node:
    return value if isinstance(value, Node) else value.resolve()


@dataclass(frozen=True, slots=True)
class Include:
    name: str  # as written, without the brackets/quotes
    system: bool  # <name> rather than "name"
    node_at: NodeAt
    optional: bool = False  # #tryinclude

    @property
    def node(self) -> Node:
        return _node(self.node_at)


@dataclass(frozen=True, slots=True)
class EventHook:
    function: str  # HookEvent / HookEventEx / UnhookEvent
    event: str | None  # None when the name is not a string literal
    event_at: NodeAt | None
    callback: str | None
    mode: str  # EventHookMode_Post, _Pre, _PostNoCopy
    call_at: NodeAt

    @property
    def event_node(self) -> Node | None:
        return None if self.event_at is None else _node(self.event_at)

    @property
    def call(self) -> Node:
        return _node(self.call_at)


@dataclass(frozen=True, slots=True)
class Registration:
    """A call that hands a callback to SourceMod: timers, commands, SDK hooks."""

    function: str
    callback: str | None
    args_at: tuple[NodeAt, ...]
    call_at: NodeAt

    @property
    def args(self) -> tuple[Node, ...]:
        return tuple(_node(a) for a in self.args_at)

    @property
    def call(self) -> Node:
        return _node(self.call_at)


@dataclass(slots=True)
class FileModel:
    source: bytes
    functions: dict[str, Node] = field(default_factory=dict)
    declarations: dict[str, Node] = field(default_factory=dict)  # natives, forwards
    defined: set[str] = field(default_factory=set)
    variables: dict[str, Node] = field(default_factory=dict)  # global name -> its (old_)variable_declaration
    define_values: dict[str, str] = field(default_factory=dict)  # #define NAME -> its value text
    includes: list[Include] = field(default_factory=list)
    hooks: list[EventHook] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)
    _hooks_by_callback: dict[str, list[EventHook]] = field(default_factory=lambda: defaultdict(list))
    # Told which facts a rule asks for (incremental.py records them to know when to re-check).
    notes: Callable[[tuple[str, object]], None] | None = None

    def text(self, node: Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def hooks_of(self, callback: str) -> list[EventHook]:
        """The HookEvent/HookEventEx calls that name this callback (UnhookEvent excluded)."""
        if self.notes is not None:
            self.notes(("hooks", callback))
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


FUNCTION_TYPES = frozenset(
    {
        "function_definition",
        "methodmap_method",
        "methodmap_method_constructor",
        "methodmap_property_method",
        "enum_struct_method",
    }
)
# Where a function can be: at the top level, in a methodmap or enum struct, or in error recovery.
_HOLDS_FUNCTIONS = frozenset({"source_file", "ERROR", "methodmap", "methodmap_property", "enum_struct"})


def enclosing_function(node: Node, top: Node | None = None) -> Node | None:
    """The function (or method) around `node`, not `node` itself. `top`: the top-level item that
    holds `node` (or the root): then it is found from there downwards, through the few kinds of
    node a function can be in, in steps that do not depend on the node's depth; without it, by a
    walk up the parents, which costs depth² (`Node.parent` starts at the root each time in
    tree-sitter >= 0.25: minutes at a depth of 10^5)."""
    if top is None:
        current = node.parent
        while current is not None:
            if current.type in FUNCTION_TYPES:
                return current
            current = current.parent
        return None
    current = top
    while current.id != node.id:
        if current.type in FUNCTION_TYPES:
            return current
        if current.type not in _HOLDS_FUNCTIONS:
            return None
        child = current.child_with_descendant(node)
        if child is None:
            return None
        current = child
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


class ModelBuilder:
    """Receives the model's matches (from its own query or the engine's combined one)."""

    def __init__(self, source: bytes) -> None:
        self.model = FileModel(source)

    def add(self, caps: dict[str, list[Node]]) -> None:
        model = self.model
        text = model.text
        if "function" in caps:
            name = text(caps["function.name"][0])
            model.functions.setdefault(name, caps["function"][0])
            model.defined.add(name)
        elif "declaration" in caps:
            name = text(caps["declaration.name"][0])
            model.declarations.setdefault(name, caps["declaration"][0])
            model.defined.add(name)
        elif "defined.name" in caps:
            name = text(caps["defined.name"][0])
            model.defined.add(name)
            if "variable" in caps:
                model.variables.setdefault(name, caps["variable"][0])
            if "define.value" in caps:
                model.define_values.setdefault(name, text(caps["define.value"][0]).strip())
        elif "include" in caps:
            raw = text(caps["include.path"][0]).strip()
            node = caps["include"][0]
            model.includes.append(
                Include(raw.strip('<>"'), raw.startswith("<"), node, node.type == "preproc_tryinclude")
            )

    def add_call(self, name: str, call: Node) -> None:
        args = call.child_by_field_name("arguments")
        fn = call.child_by_field_name("function")
        if args is not None and fn is not None and fn.type == "identifier":
            _add_call(self.model, name, call, args)

    def finish(self) -> FileModel:
        model = self.model
        for hook in model.hooks:
            if hook.callback and hook.function != "UnhookEvent":
                model._hooks_by_callback[hook.callback].append(hook)
        return model


def build_model(tree: Tree, source: bytes) -> FileModel:
    """The model on its own (the engine builds it in its combined pass instead)."""
    builder = ModelBuilder(source)
    for _, caps in query_matches(MODEL_QUERY + "\n" + call_pattern(MODEL_CALLS), tree.root_node):
        if "call" in caps:
            builder.add_call(builder.model.text(caps["callee"][0]), caps["call"][0])
        else:
            builder.add(caps)
    return builder.finish()


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
