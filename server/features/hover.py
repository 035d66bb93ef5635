"""Hover: what the thing under the cursor is, as markdown.

- a diagnostic's range: the rule's documentation;
- an event name (HookEvent's first argument): the event's fields with their types;
- an event field name (event.GetInt("…")): its type in the hooked events and the accessor;
- a netprop name (Get/SetEntProp*(…, "…")): class, PropType, value type and notes;
- a function, type or constant: its signature and doc comment.
"""

from __future__ import annotations

from dataclasses import dataclass

from spcopilot.diagnostics.knowledge.events import EVENT_NAME_FUNCTIONS, EventField
from spcopilot.diagnostics.knowledge.netprops import VALUE_OF_ACCESSOR, l4d2_netprops
from spcopilot.diagnostics.model import Diagnostic
from spcopilot.diagnostics.rules import rule_by_code
from spcopilot.diagnostics.semantic import Decl
from spcopilot.diagnostics.semantic import symbols as k
from spcopilot.server.features import docs
from spcopilot.server.features.completion import (
    FUNCTION_FIELD_ACCESSORS,
    METHOD_FIELD_ACCESSORS,
    hooked_events,
)
from spcopilot.server.features.cursor import cursor_at
from spcopilot.server.features.view import DocumentView


@dataclass(frozen=True, slots=True)
class HoverResult:
    markdown: str
    start: int  # bytes
    end: int


def hover(view: DocumentView, offset: int) -> HoverResult | None:
    if not view.analysed:
        return None
    parts: list[str] = []
    span: tuple[int, int] | None = None
    for d in diagnostics_at(view.diagnostics, offset):
        rule = rule_by_code(d.code)
        if rule is not None:
            parts.append(docs.rule_markdown(rule, d.message))
            span = span or (d.start_byte, d.end_byte)
    found = _string_hover(view, offset) or _symbol_hover(view, offset)
    if found is not None:
        parts.insert(0, found.markdown)
        span = (found.start, found.end)
    if not parts or span is None:
        return None
    return HoverResult("\n\n---\n\n".join(parts), *span)


def diagnostics_at(diagnostics: list[Diagnostic], offset: int) -> list[Diagnostic]:
    return [d for d in diagnostics if d.start_byte <= offset <= d.end_byte]


def _string_hover(view: DocumentView, offset: int) -> HoverResult | None:
    source = view.source
    cursor = cursor_at(source, offset, view.tree)
    call = cursor.call
    if cursor.string_start is None or call is None:
        return None
    end = source.find(b'"', offset)
    line_end = source.find(b"\n", offset)
    if end == -1 or (line_end != -1 and end > line_end):
        return None
    value = source[cursor.string_start : end].decode("utf-8", "replace")
    span = (cursor.string_start - 1, end + 1)
    if call.name in EVENT_NAME_FUNCTIONS and call.arg_index == 0:
        info = view.catalogue.get(value)
        return HoverResult(docs.event_markdown(info), *span) if info else None
    field_call = (call.receiver is not None and call.name in METHOD_FIELD_ACCESSORS and call.arg_index == 0) or (
        call.receiver is None and call.name in FUNCTION_FIELD_ACCESSORS and call.arg_index == 1
    )
    if field_call:
        hooked = hooked_events(view, call.open_paren)
        found: list[tuple[str, EventField]] = []
        for event in sorted(hooked) or view.catalogue.names():
            info = view.catalogue.get(event)
            if info and value in info.fields:
                found.append((event, info.fields[value]))
        return HoverResult(docs.event_field_markdown(value, found), *span) if found else None
    if call.name in VALUE_OF_ACCESSOR and call.arg_index == 2:
        prop = l4d2_netprops().get(value)
        return HoverResult(docs.netprop_markdown(prop), *span) if prop else None
    from spcopilot.server.features import string_names  # phrases and ConVars (issue 20's provider)

    markdown = string_names.hover(view, call, value)
    return HoverResult(markdown, *span) if markdown else None


def _symbol_hover(view: DocumentView, offset: int) -> HoverResult | None:
    model = view.semantic
    ref, decls = model.resolve_at(offset)
    if ref is None or not decls:
        return None
    decl = decls[0]
    owner = owner_of(view, decl) if decl.kind == k.PARAMETER else None
    return HoverResult(docs.decl_markdown(decl, owner), ref.start, ref.end)


def owner_of(view: DocumentView, parameter: Decl) -> Decl | None:
    """The function, method or function type a parameter belongs to."""
    workspace = view.workspace
    summary = workspace.summary_of(parameter.path) if workspace is not None else None
    for d in summary.decls if summary is not None else ():
        if parameter in d.param_decls:
            return d
    return None
