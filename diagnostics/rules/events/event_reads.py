"""Event field reads shared by the event rules (SPC203, SPC204, SPC206, SPC207): which field a getter reads, from
which event parameter, and what the hooked events' catalogue says about that field.

Two spellings are recognised, both with the field name as a string literal:
`event.GetInt("userid")` (methodmap) and `GetEventInt(event, "userid")` (old style).
"""

from __future__ import annotations

from dataclasses import dataclass

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.knowledge.events import EVENT_GETTERS, VALUE_CLASS_OF_TYPE, EventField
from tree_sitter import Node

# What each getter returns ("int", "bool", "float", "string"), from the knowledge base; the
# 64-bit getter is left out (its fields are read as strings and no rule checks them).
GETTER_CLASS = {name: kind for name, kind in EVENT_GETTERS.items() if kind != "uint64"}
METHOD_GETTERS = tuple(n for n in GETTER_CLASS if not n.startswith("GetEvent"))
FUNCTION_GETTERS = tuple(n for n in GETTER_CLASS if n.startswith("GetEvent"))
# Catalogue field types grouped by what reads them without conversion.
FIELD_CLASS = VALUE_CLASS_OF_TYPE


# The callees the event rules subscribe to (`Rule.calls`).
GETTER_CALLS = frozenset(METHOD_GETTERS + FUNCTION_GETTERS)


@dataclass(frozen=True, slots=True)
class EventRead:
    call: Node
    getter: Node
    getter_name: str
    event_arg: Node
    field_node: Node
    field: str
    function: Node | None  # the enclosing function definition
    callback: str | None  # its name when the read is on its first parameter

    @property
    def old_style(self) -> bool:
        return self.getter_name.startswith("GetEvent")

    @property
    def value_class(self) -> str:
        return GETTER_CLASS.get(self.getter_name, "")


def event_read(call: Node, ctx: Context) -> EventRead | None:
    """The field read a getter call makes: `event.GetInt("x")` or `GetEventInt(event, "x")`
    with a literal field name and a plain variable as the event; None for anything else.
    Four rules ask this of every getter call: computed once per call and lint."""
    return ctx.memo(("event_read", call.id), lambda: _event_read(call, ctx))


def _event_read(call: Node, ctx: Context) -> EventRead | None:
    fn = call.child_by_field_name("function")
    args = ctx.args(call)
    if fn is None:
        return None
    if fn.type == "field_access":
        getter = fn.child_by_field_name("field")
        event_arg = fn.child_by_field_name("target")
        field_node = args[0] if args else None
        names = METHOD_GETTERS
    elif fn.type == "identifier":
        getter = fn
        event_arg = args[0] if args else None
        field_node = args[1] if len(args) > 1 else None
        names = FUNCTION_GETTERS
    else:
        return None
    if getter is None or event_arg is None or event_arg.type != "identifier":
        return None
    getter_name = ctx.text(getter)
    field = ctx.string_value(field_node)
    if getter_name not in names or field is None or field_node is None:
        return None
    function = ctx.enclosing_function(call)
    callback = None
    if function is not None and function.type == "function_definition":
        params = ctx.parameters(function)
        name = ctx.text(event_arg)
        # The callback's first parameter, unless a local of the same name hides it there.
        if (
            params
            and params[0][0] == name
            and ctx.local_declaration(function, name, event_arg.start_byte) == params[0][1]
        ):
            callback = ctx.function_name(function)
    return EventRead(call, getter, getter_name, event_arg, field_node, field, function, callback)


def known_events(ctx: Context, callback: str | None) -> list[str] | None:
    """The events `callback` is hooked to, when there is at least one and the catalogue knows
    every one of them; None otherwise (then nobody can say which fields it may read)."""
    if not callback:
        return None
    events = ctx.model.events_of(callback)
    if not events or any(e not in ctx.event_catalogue for e in events):
        return None
    return sorted(events)


def fields_named(ctx: Context, events: list[str], name: str) -> list[tuple[str, EventField]]:
    """(event, field) for each event that has the field. Field names are looked up without
    regard to case, as the game's KeyValues do."""
    wanted = name.lower()
    out = []
    for event in events:
        info = ctx.event_catalogue.get(event)
        for fname, f in info.fields.items() if info else ():
            if fname.lower() == wanted:
                out.append((event, f))
                break
    return out


def field_kind(ctx: Context, read: EventRead) -> str | None:
    """ "userid"/"entity"/"" when every hooked event that has the field agrees; None when the
    events are unknown, none of them has the field, or they disagree."""
    events = known_events(ctx, read.callback)
    if events is None:
        return None
    kinds = {f.kind for _, f in fields_named(ctx, events, read.field)}
    return kinds.pop() if len(kinds) == 1 else None
