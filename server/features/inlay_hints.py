"""Inlay hints: the parameter name before each argument of a call (`PrintToChat(client:
client, format: "%d", ...)`), for natives, functions, methods and constructors the model
resolves. Left out where the argument already says it (a variable named like the parameter, a
named argument `.x = 1`) and for the rest of a variadic `...`."""

from __future__ import annotations

from dataclasses import dataclass

from spcopilot.diagnostics.matching import matches, query_roots
from spcopilot.diagnostics.parsing import compile_query
from spcopilot.diagnostics.semantic import symbols as k
from spcopilot.server.features.docs import param_name
from spcopilot.server.features.view import DocumentView

_CALLS = """
(call_expression function: (_) @function arguments: (call_arguments) @arguments)
(new_expression class: (identifier) @function arguments: (call_arguments) @arguments)
"""


@dataclass(frozen=True, slots=True)
class InlayHint:
    offset: int  # bytes: the hint goes before this
    label: str


def hints(view: DocumentView, start: int, end: int) -> list[InlayHint]:
    if not view.analysed or view.tree is None:
        return []
    model = view.semantic
    query, roots = compile_query(_CALLS), query_roots(_CALLS)
    out: list[InlayHint] = []
    # The top-level items the range touches, each matched in linear time (diagnostics/matching.py:
    # a raw query cursor is quadratic on error recovery's long runs of tokens).
    found = [
        m
        for item in view.tree.root_node.children
        if item.is_named and item.end_byte >= start and item.start_byte <= end
        for m in matches(query, item, roots)
    ]
    for _, captures in found:
        function = captures["function"][0]
        arguments = captures["arguments"][0]
        name_end = function.end_byte
        if function.type == "field_access":
            field = function.child_by_field_name("field")
            name_end = field.end_byte if field is not None else name_end
        _, decls = model.resolve_at(name_end)
        decl = decls[0] if decls else None
        if decl is None or decl.kind not in k.CALLABLE_KINDS or not decl.params:
            continue
        names = [param_name(p) for p in decl.params]
        args = [a for a in arguments.named_children if a.type != "comment"]
        for i, arg in enumerate(args):
            if i >= len(names) or arg.type == "named_arg" or not (start <= arg.start_byte <= end):
                break
            name = names[i]
            if name == "..." or "..." in decl.params[i]:
                break
            written = view.source[arg.start_byte : arg.end_byte].decode("utf-8", "replace")
            if written == name or written.endswith(("." + name, "_" + name)):
                continue
            out.append(InlayHint(arg.start_byte, f"{name}:"))
    return out
