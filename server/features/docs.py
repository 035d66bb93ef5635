"""Markdown for symbols, events, netprops and rules: shared by hover, completion details and
signature help."""

from __future__ import annotations

import re

from spcopilot.diagnostics.include_symbols import Symbol
from spcopilot.diagnostics.knowledge.events import EventField, EventInfo
from spcopilot.diagnostics.knowledge.netprops import NetProp
from spcopilot.diagnostics.rules.base import Rule
from spcopilot.diagnostics.semantic import Decl

_TAG = re.compile(r"^@(\w+)\s*(.*)$")


def doc_parts(doc: str) -> tuple[str, dict[str, str], list[tuple[str, str]]]:
    """A doc comment split into its text, its @param descriptions and its other @tags (a line
    right after a tag continues it)."""
    text: list[str] = []
    params: dict[str, str] = {}
    tags: list[list[str]] = []
    last: str | None = None  # "param:<name>" or "tag"
    for line in doc.splitlines():
        stripped = line.strip()
        m = _TAG.match(stripped)
        if m:
            tag, rest = m.group(1), m.group(2)
            if tag == "param":
                name, _, desc = rest.partition(" ")
                params[name] = desc.strip()
                last = f"param:{name}"
            else:
                tags.append([tag, rest.strip()])
                last = "tag"
        elif last and stripped:
            if last == "tag":
                tags[-1][1] = f"{tags[-1][1]} {stripped}".strip()
            else:
                name = last[6:]
                params[name] = f"{params[name]} {stripped}".strip()
        else:
            last = None
            if not params and not tags:
                text.append(line)
    return "\n".join(text).strip(), params, [(t, d) for t, d in tags]


def symbol_markdown(symbol: Symbol) -> str:
    out = [f"```sourcepawn\n{symbol.signature}\n```"]
    text, params, tags = doc_parts(symbol.doc)
    if text:
        out.append(text)
    if params:
        out.append("\n".join(f"- `{name}`: {desc}" for name, desc in params.items()))
    for tag, desc in tags:
        label = {"return": "Returns", "error": "Errors", "note": "Note", "deprecated": "Deprecated"}.get(tag, tag)
        out.append(f"**{label}**: {desc}")
    where = symbol.path.rsplit("/", 1)[-1]
    if where:
        out.append(f"*{symbol.kind} in {where}*")
    return "\n\n".join(out)


_KIND_LABEL = {
    "function": "function", "stock": "stock", "native": "native", "forward": "forward",
    "global": "global variable", "local": "local variable", "parameter": "parameter",
    "define": "define", "macro": "macro", "enum": "enum", "enum_member": "enum member",
    "enum_struct": "enum struct", "field": "field", "method": "method", "constructor": "constructor",
    "destructor": "destructor", "property": "property", "getter": "getter", "setter": "setter",
    "methodmap": "methodmap", "typedef": "typedef", "typeset": "typeset", "funcenum": "funcenum",
    "functag": "functag", "struct": "struct",
}  # fmt: skip


def decl_markdown(decl: Decl, owner: Decl | None = None) -> str:
    """A declaration of the semantic model: its code, deprecation, documentation and where it
    is. `owner` is the function a parameter belongs to (its @param text is the parameter's doc)."""
    code = decl.signature or decl.name
    if decl.kind == "enum_member" and decl.value:
        code = f"{code} = {decl.value}"
    out = [f"```sourcepawn\n{code}\n```"]
    if decl.kind == "define" and decl.value:
        out.append(f"Expands to `{decl.value}`")
    if decl.deprecated:
        out.append(f"**Deprecated**: {decl.deprecated}")
    if decl.kind == "parameter":
        description = doc_parts(owner.doc)[1].get(decl.name, "") if owner is not None else ""
        if description:
            out.append(description)
    else:
        text, params, tags = doc_parts(decl.doc)
        if text:
            out.append(text)
        if params:
            out.append("\n".join(f"- `{name}`: {desc}" for name, desc in params.items()))
        for tag, desc in tags:
            if tag == "deprecated" and decl.deprecated:
                continue
            label = {"return": "Returns", "error": "Errors", "note": "Note", "deprecated": "Deprecated"}.get(tag, tag)
            out.append(f"**{label}**: {desc}")
    label = _KIND_LABEL.get(decl.kind, decl.kind)
    if decl.kind in ("local", "parameter") and decl.parent:
        label = f"{label} of {decl.parent}()" if decl.kind == "parameter" else f"{label} in {decl.parent}()"
    elif decl.parent and decl.kind != "enum_member":
        label = f"{label} of {decl.parent}"
    where = decl.path.replace("\\", "/").rsplit("/", 1)[-1]
    out.append(f"*{label}*" + (f" *in {where}*" if where and decl.kind not in ("local", "parameter") else ""))
    return "\n\n".join(out)


def param_doc(symbol: Symbol, index: int) -> str:
    """The @param description of one parameter."""
    if index >= len(symbol.params):
        return ""
    name = param_name(symbol.params[index])
    return doc_parts(symbol.doc)[1].get(name, "")


def param_name(param: str) -> str:
    """`client` of `int client`, `buffer` of `char[] buffer`, `maxlen` of `int maxlen = 64`."""
    head = param.split("=", 1)[0].strip()
    m = re.search(r"([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*$", head)
    return m.group(1) if m else head


def field_line(f: EventField) -> str:
    notes = "; ".join(
        x
        for x in (
            (
                "a userid: GetClientOfUserId()"
                if f.kind == "userid"
                else "an entity index"
                if f.kind == "entity"
                else ""
            ),
            f.comment,
        )
        if x
    )
    return f"| `{f.name}` | {f.type} | `{f.accessor}` | {notes} |"


def event_markdown(info: EventInfo) -> str:
    out = [f"**event `{info.name}`**" + (f" ({info.source})" if info.source else "")]
    if info.note:
        out.append(info.note)
    if info.fields:
        rows = ["| Field | Type | Read with | Notes |", "|---|---|---|---|"]
        rows += [field_line(f) for f in info.fields.values()]
        out.append("\n".join(rows))
    else:
        out.append("No fields.")
    return "\n\n".join(out)


def event_field_markdown(name: str, found: list[tuple[str, EventField]]) -> str:
    """One field as several events define it."""
    out = [f"**event field `{name}`**"]
    rows = ["| Event | Type | Read with | Notes |", "|---|---|---|---|"]
    for event, f in found:
        rows.append(f"| `{event}` " + field_line(f).split("|", 2)[2].rstrip())
    out.append("\n".join(rows))
    return "\n\n".join(out)


def netprop_markdown(prop: NetProp) -> str:
    out = [
        f"**netprop `{prop.name}`**",
        f"- class: {prop.cls}\n- prop type: `{prop.prop_type}`\n- value: {prop.value_type} (`{prop.accessor}`)",
    ]
    if prop.notes:
        out.append(prop.notes)
    return "\n\n".join(out)


def rule_markdown(rule: Rule, message: str = "") -> str:
    out = [f"**{rule.code}** `{rule.name}`: {rule.summary}"]
    if message:
        out.append(f"> {message}")
    out.append(rule.docs.strip().replace("## ", "#### "))
    return "\n\n".join(out)
