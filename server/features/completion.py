"""Completion: what fits at the cursor, as plain candidates (the LSP layer converts them).

Contexts, most specific first:
- inside the first argument of HookEvent/HookEventEx/UnhookEvent/CreateEvent: event names of
  the file's game;
- inside the field argument of event.GetInt("…") / GetEventInt(event, "…") and friends: the
  fields of the events the enclosing callback is hooked to, with the accessor each field's
  type needs (and an edit fixing the accessor when the one written is wrong);
- inside the name argument of Get/SetEntProp*(entity, Prop_*, "…"): netprops of that PropType;
- after `expr.`: the members of expr's methodmap (inherited ones included);
- an identifier: natives, stocks, forwards, types, constants from the document and its
  includes, and snippets.
Details and docs of symbols are filled in by `resolve` (completionItem/resolve).
"""

from __future__ import annotations

import re
from typing import Any

from spcopilot.diagnostics.knowledge.events import (
    ACCESSOR_FOR_TYPE,
    EVENT_NAME_FUNCTIONS,
    VALUE_CLASS_OF_TYPE,
    EventField,
)
from spcopilot.diagnostics.knowledge.netprops import VALUE_OF_ACCESSOR, l4d2_netprops
from spcopilot.diagnostics.semantic import Decl
from spcopilot.diagnostics.semantic import symbols as k
from spcopilot.diagnostics.semantics import parameters
from spcopilot.server.ai.backends.base import StringChoice
from spcopilot.server.features import docs, file_scope
from spcopilot.server.features.callback_stub import callback_candidates
from spcopilot.server.features.completion_items import Candidate, Completions, Edit
from spcopilot.server.features.cursor import (
    Call,
    Cursor,
    argument_text,
    cursor_at,
    string_content_end,
    word_at,
)
from spcopilot.server.features.include_paths import include_paths
from spcopilot.server.features.snippets import plain, snippets_for
from spcopilot.server.features.view import DocumentView

METHOD_FIELD_ACCESSORS = frozenset(
    {"GetInt", "GetBool", "GetFloat", "GetString", "SetInt", "SetBool", "SetFloat", "SetString"}
)
FUNCTION_FIELD_ACCESSORS = frozenset(
    {
        "GetEventInt",
        "GetEventBool",
        "GetEventFloat",
        "GetEventString",
        "SetEventInt",
        "SetEventBool",
        "SetEventFloat",
        "SetEventString",
    }
)
# What an accessor reads or writes, and what each field type is (as the event rules see it).
_ACCESSOR_CLASS = {"Int": "int", "Bool": "bool", "Float": "float", "String": "string"}
# 64-bit fields are offered through GetString (a cell cannot hold them).
_FIELD_CLASS = {**VALUE_CLASS_OF_TYPE, "uint64": "string"}


def complete(
    view: DocumentView, offset: int, *, snippets: bool = True, limit: int = 200, trigger: str | None = None
) -> Completions:
    """What fits at `offset`. `trigger` is the character that opened the list, if any: after
    `(` only HookEvent's event names are offered, not every symbol; after `<` and `/` only
    include paths."""
    if not view.analysed:
        return Completions()
    workspace = view.workspace
    dirs = workspace.include_index_for(view.path or None).include_dirs if workspace is not None else []
    paths = include_paths(view.source, offset, view.path, dirs)
    if paths is not None:
        return _limited(paths, limit)
    if trigger in ("<", "/"):  # typed for an include path; elsewhere a comparison or a division
        return Completions()
    cursor = cursor_at(view.source, offset, view.tree)
    if cursor.in_comment:
        return Completions()
    call = cursor.call
    if cursor.in_string:
        return Completions(_in_string(view, cursor, call) if call else [])
    if (
        call is not None
        and call.name in EVENT_NAME_FUNCTIONS
        and call.arg_index == 0
        and not argument_text(view.source, call, 0, offset)
    ):
        return Completions(_event_names(view, offset, offset, quoted=True))
    start, end = word_at(view.source, offset)
    chain = receiver_chain(view.source, start)
    prefix = view.source[start:offset].decode("utf-8", "replace")
    if chain is not None:
        return _limited(_members(view, chain, offset, prefix, (start, end)), limit)
    if trigger == "(" or (start > 0 and view.source[start - 1 : start] in (b'"', b"'", b"#")):
        return Completions()
    items = _identifiers(view, offset, prefix, (start, end), snippets)
    if call is not None and not argument_text(view.source, call, call.arg_index, start):
        found = view.function_at(offset)
        after = found[1].end_byte if found else len(view.source)
        items = callback_candidates(view, call, offset, after) + items
    return _limited(items, limit)


def _limited(items: list[Candidate], limit: int) -> Completions:
    if limit and len(items) > limit:
        return Completions(items[:limit], incomplete=True)
    return Completions(items)


# -- strings ------------------------------------------------------------------------------------
def _in_string(view: DocumentView, cursor: Cursor, call: Call) -> list[Candidate]:
    assert cursor.string_start is not None
    source, offset = view.source, cursor.offset
    if source[call.arg_starts[-1] : cursor.string_start - 1].strip():
        return []  # the string is not the whole argument ("a" ... "b")
    replace_end = string_content_end(source, offset)
    if call.name in EVENT_NAME_FUNCTIONS and call.arg_index == 0 and call.receiver is None:
        return _event_names(view, cursor.string_start, replace_end, quoted=False)
    if call.receiver is not None and call.name in METHOD_FIELD_ACCESSORS and call.arg_index == 0:
        return _event_fields(view, call, (cursor.string_start, replace_end), call.receiver)
    if call.receiver is None and call.name in FUNCTION_FIELD_ACCESSORS and call.arg_index == 1:
        event_var = argument_text(source, call, 0, offset)
        return _event_fields(view, call, (cursor.string_start, replace_end), event_var)
    if call.name in VALUE_OF_ACCESSOR and call.arg_index == 2:
        return _netprops(view, call, argument_text(source, call, 1, offset), (cursor.string_start, replace_end))
    from spcopilot.server.features import string_names  # phrase and ConVar names (issue 20's provider)

    span = (cursor.string_start, replace_end)
    return [
        Candidate(n.label, n.kind, detail=n.detail, documentation=n.documentation, insert_text=n.label, replace=span)
        for n in string_names.names(view, call)
    ]


# The calls whose string arguments `string_choice` may constrain.
STRING_CHOICE_CALLS = frozenset(
    EVENT_NAME_FUNCTIONS | METHOD_FIELD_ACCESSORS | FUNCTION_FIELD_ACCESSORS | set(VALUE_OF_ACCESSOR)
)
# The candidates of `_in_string` that are catalogue names, and what StringChoice calls them.
_CHOICE_KINDS = {"event": "event", "field": "event field", "netprop": "netprop"}


def string_choice(view: DocumentView, offset: int) -> StringChoice | None:
    """The knowledge base's names the string under the cursor must be, for inline completion's
    constrained decoding: event names in HookEvent/HookEventEx/UnhookEvent/CreateEvent, the fields
    of the events the enclosing callback is hooked to in event.GetInt("…")/GetEventInt(event, "…")
    and friends (only when those events are known: else nobody can say which fields exist),
    netprops of the PropType in Get/SetEntProp*(entity, Prop_*, "…"). The same cursor analysis
    and candidates as completion; None anywhere else (phrases and ConVars are not closed sets)."""
    if not view.analysed:
        return None
    cursor = cursor_at(view.source, offset, view.tree)
    call = cursor.call
    if cursor.in_comment or cursor.string_start is None or call is None:
        return None
    found = [c for c in _in_string(view, cursor, call) if c.kind in _CHOICE_KINDS]
    if not found:
        return None
    kind = _CHOICE_KINDS[found[0].kind]
    if kind == "event field" and not (
        hooked_events(view, call.open_paren) and _reads_callback_event(view, call, offset)
    ):
        return None
    typed = view.source[cursor.string_start : offset].decode("utf-8", "replace")
    return StringChoice(kind, tuple(sorted({c.label for c in found})), typed)


def _reads_callback_event(view: DocumentView, call: Call, offset: int) -> bool:
    """The getter reads the enclosing callback's first parameter (its Event), as the event rules
    require: `kv.GetString("key", …)` in the same callback is a KeyValues key, not a field."""
    event_var = call.receiver if call.receiver is not None else argument_text(view.source, call, 0, offset)
    found = view.function_at(call.open_paren)
    if found is not None:
        params = parameters(found[1], view.source)
        return bool(params) and params[0][0] == event_var
    heads = list(_FUNCTION_HEAD.finditer(view.source, max(0, call.open_paren - 16384), call.open_paren))
    return bool(heads) and heads[-1].group(2).decode() == event_var


def _event_names(view: DocumentView, start: int, end: int, *, quoted: bool) -> list[Candidate]:
    catalogue = view.catalogue
    out = []
    for name in view.event_names():
        info = catalogue.get(name)
        count = len(info.fields) if info else 0
        out.append(
            Candidate(
                name,
                "event",
                detail=f"event, {count} field{'s' if count != 1 else ''}"
                + (f" ({info.source})" if info and info.source else ""),
                insert_text=f'"{name}"' if quoted else name,
                replace=(start, end),
                filter_text=f'"{name}"' if quoted else name,
                resolve={"type": "event", "name": name},
            )
        )
    return out


def _event_fields(view: DocumentView, call: Call, replace: tuple[int, int], event_var: str) -> list[Candidate]:
    hooked = hooked_events(view, call.open_paren)
    catalogue = view.catalogue
    by_field: dict[str, list[tuple[str, EventField]]] = {}
    events = sorted(hooked) if hooked else catalogue.names()
    for event in events:
        info = catalogue.get(event)
        for f in info.fields.values() if info else ():
            by_field.setdefault(f.name, []).append((event, f))
    method_style = call.name in METHOD_FIELD_ACCESSORS
    setter = call.name.startswith("Set")
    written_class = _ACCESSOR_CLASS.get(call.name.removeprefix("Get").removeprefix("Set").removeprefix("Event"), "")
    out = []
    for name, found in sorted(by_field.items()):
        f = found[0][1]
        right = ACCESSOR_FOR_TYPE.get(f.type, "GetInt")
        if setter:
            right = "Set" + right[3:]
        if not method_style:
            right = right[:3] + "Event" + right[3:]
        shown = f"{event_var}.{right}" if method_style else right
        where = (
            "every hooked event"
            if hooked and len(found) == len(hooked)
            else ", ".join(e for e, _ in found[:3]) + (" …" if len(found) > 3 else "")
        )
        candidate = Candidate(
            name,
            "field",
            detail=f"{f.type} → {shown}",
            documentation=docs.event_field_markdown(name, found),
            replace=replace,
            sort_text=("0" if hooked else "1") + name,
        )
        if _mismatch(written_class, _FIELD_CLASS.get(f.type, "int")) and right != call.name:
            candidate.label_detail = f"  use {right}"
            candidate.detail = f"{f.type}: {call.name} is wrong for it → {shown}"
            name_end = call.name_start + len(call.name)
            candidate.additional_edits = ((call.name_start, name_end, right),)
        if not hooked:
            candidate.label_detail = candidate.label_detail or f"  ({where})"
        out.append(candidate)
    return out


def _mismatch(written: str, field_class: str) -> bool:
    """The event rules' notion of a wrong accessor: strings read as numbers and numbers read
    as strings, and floats read as ints (ints read as floats or bools are fine)."""
    if not written:
        return False
    if (field_class == "string") != (written == "string"):
        return True
    return written == "int" and field_class == "float"


def hooked_events(view: DocumentView, offset: int) -> set[str]:
    """The events the callback enclosing `offset` is hooked to (empty when unknown)."""
    found = view.function_at(offset)
    name = found[0] if found else _function_name_before(view.source, offset)
    if not name:
        return set()
    events = view.model.events_of(name)
    catalogue = view.catalogue
    return {e for e in events or () if e in catalogue}


_FUNCTION_HEAD = re.compile(rb"(?:public\s+)?(?:void|Action)\s+([A-Za-z_]\w*)\s*\(\s*Event\s+(\w+)")


def _function_name_before(source: bytes, offset: int) -> str:
    """The last event-callback header before the offset (when the tree is too broken to say)."""
    heads = list(_FUNCTION_HEAD.finditer(source, max(0, offset - 16384), offset))
    return heads[-1].group(1).decode() if heads else ""


def _netprops(view: DocumentView, call: Call, prop_type: str, replace: tuple[int, int]) -> list[Candidate]:
    wanted = VALUE_OF_ACCESSOR[call.name]
    setter = call.name.startswith("Set")
    out = []
    for prop in l4d2_netprops().values():
        if prop_type in ("Prop_Send", "Prop_Data") and not prop.allows(prop_type):
            continue
        right = prop.accessor if not setter else "Set" + prop.accessor[3:]
        candidate = Candidate(
            prop.name,
            "netprop",
            detail=f"{prop.value_type} ({prop.prop_type}) {prop.cls}",
            documentation=docs.netprop_markdown(prop),
            replace=replace,
            sort_text="0" + prop.name,
        )
        value = "float" if prop.value_type == "timer" else prop.value_type
        if value != wanted and right != call.name:
            candidate.label_detail = f"  use {right}"
            candidate.sort_text = "1" + prop.name
            candidate.additional_edits = ((call.name_start, call.name_start + len(call.name), right),)
        out.append(candidate)
    return out


# -- members and identifiers ----------------------------------------------------------------------
def _members(
    view: DocumentView, chain: list[str], offset: int, prefix: str, replace: tuple[int, int]
) -> list[Candidate]:
    type_name = chain_type(view, chain, offset)
    if not type_name:
        return []
    static = len(chain) == 1 and chain[0] == type_name and view.is_type(type_name)
    out = []
    seen: set[str] = set()
    for m in view.members(type_name):
        if m.kind in (k.CONSTRUCTOR, k.DESTRUCTOR) or m.name in seen or not m.name.lower().startswith(prefix.lower()):
            continue
        seen.add(m.name)
        if static != m.static:
            continue
        out.append(_symbol_candidate(m, replace, member=True))
    return out


_SEGMENT = re.compile(rb"([A-Za-z_]\w*)[ \t]*((?:\((?:[^()]|\([^()]*\))*\))?)[ \t]*(?:\[[^\]]*\][ \t]*)*\.[ \t]*$")


def receiver_chain(source: bytes, word_start: int) -> list[str] | None:
    """`["list", "Get()"]` for `list.Get().|`: the receiver's segments, a call's parentheses
    kept as `()`; None when the word is not after a dot."""
    segments: list[str] = []
    end = word_start
    for _ in range(16):
        m = _SEGMENT.search(source, max(0, end - 512), end)
        if m is None:
            break
        segments.append(m.group(1).decode() + ("()" if m.group(2) else ""))
        end = m.start()
        if not source[max(0, end - 64) : end].rstrip(b" \t").endswith(b"."):
            break
    return segments[::-1] or None


def chain_type(view: DocumentView, chain: list[str], offset: int) -> str | None:
    """The type of a receiver chain at `offset` (the first name's declaration, then members)."""
    first = chain[0]
    call = first.endswith("()")
    name = first.removesuffix("()")
    type_name = _name_type(view, name, offset, call)
    for segment in chain[1:]:
        if type_name is None:
            return None
        member = view.semantic.program.member(type_name, segment.removesuffix("()"))
        type_name = member.type if member is not None and member.type else None
    return type_name


def _name_type(view: DocumentView, name: str, offset: int, call: bool) -> str | None:
    model = view.semantic
    if name == "this":
        container = container_at(view, offset)
        return container.name if container is not None else None
    local = None if call else model.locals_at(offset).get(name)
    if local is not None:
        return local.type or None
    found = model.program.lookup(name)
    if not found:
        return None
    d = found[0]
    if d.is_type:
        return d.name
    return d.type or None


def container_at(view: DocumentView, offset: int) -> Decl | None:
    """The methodmap or enum struct around an offset."""
    for d in view.semantic.index.decls:
        if d.kind in (k.METHODMAP, k.ENUM_STRUCT) and d.span[0] <= offset < d.span[1]:
            return d
    return None


def type_of(view: DocumentView, name: str, offset: int) -> str | None:
    """The methodmap (or enum struct) type of a receiver at an offset, from its declaration."""
    return chain_type(view, [name], offset)


def _identifiers(
    view: DocumentView, offset: int, prefix: str, replace: tuple[int, int], snippets: bool
) -> list[Candidate]:
    where = "statement" if view.function_at(offset) is not None or _in_body(view, offset) else "top"
    at_file_scope = file_scope.position(view.source, view.tree, replace[0]) if where == "top" else ""
    if at_file_scope == file_scope.STATEMENT:
        where = "statement"
    elif at_file_scope in (file_scope.NAME, file_scope.PUBLIC_NAME):
        return _forward_names(view, prefix, replace) if at_file_scope == file_scope.PUBLIC_NAME and snippets else []
    low = prefix.lower()
    out: list[Candidate] = []
    seen: set[str] = {prefix}  # the word being typed is "declared" by the broken code around it
    model = view.semantic
    if where == "statement":
        for name, d in sorted(model.locals_at(offset).items()):
            if name.lower().startswith(low) and name not in seen:
                seen.add(name)
                out.append(_symbol_candidate(d, replace, rank="0"))
    for rank, layer in zip("011", model.program.layers, strict=False):
        for name, found in layer.by_name.items():
            if name in seen or not name.lower().startswith(low):
                continue
            symbol = found[0]
            if symbol.kind == k.DEFINE and name.startswith("_") and name.endswith("_included"):
                continue
            seen.add(name)
            if symbol.kind == k.FORWARD and where == "top" and snippets:
                out.append(_forward_candidate(symbol, replace, after_public=_after_public(view.source, replace[0])))
            elif at_file_scope == file_scope.TYPE and not _declaration_start_word(symbol, snippets):
                # A value cannot start a declaration, yet sourcepawn-studio offers the file's
                # names here and users of the field expect them (7 of its fixtures): after
                # what can start one.
                out.append(_symbol_candidate(symbol, replace, rank="3"))
            else:
                out.append(_symbol_candidate(symbol, replace, rank=rank))
    words = (
        _VALUE_WORDS if at_file_scope == file_scope.VALUE else _STATEMENT_WORDS if where == "statement" else _TOP_WORDS
    )
    for word, kind in words:
        if word.lower().startswith(low) and word not in seen:
            seen.add(word)
            out.append(Candidate(word, kind, detail=kind, replace=replace, sort_text="2" + word))
    out.sort(key=lambda c: (not c.label.startswith(prefix), c.sort_text or "", len(c.label), c.label))
    for s in snippets_for(where) if at_file_scope != file_scope.VALUE else ():
        if not s.label.startswith(low):
            continue
        text = s.body if snippets else plain(s.body)
        candidate = Candidate(
            s.label,
            "snippet",
            detail=s.detail,
            insert_text=text,
            snippet=snippets,
            replace=replace,
            sort_text="~" + s.label,
        )
        candidate.documentation = f"```sourcepawn\n{plain(s.body)}{plain(s.callback)}\n```"
        if s.callback and view.tree is not None:
            candidate.additional_edits = (_after_enclosing_function(view, offset, s.callback),)
        out.insert(0, candidate)
    return out


def _declaration_start_word(symbol: Decl, snippets: bool) -> bool:
    """What may start a declaration at file scope: a type or tag, a forward to implement (as a
    stub), a macro with arguments (it may expand to declarations)."""
    return symbol.kind in k.TYPE_KINDS or symbol.kind == k.MACRO or (symbol.kind == k.FORWARD and snippets)


def _forward_names(view: DocumentView, prefix: str, replace: tuple[int, int]) -> list[Candidate]:
    """After `public <type> `: the forwards to implement, each completed with its parameters
    and a body (the head typed so far is kept)."""
    low = prefix.lower()
    out = []
    for layer in view.semantic.program.layers:
        for name, found in layer.by_name.items():
            symbol = found[0]
            if symbol.kind != k.FORWARD or not name.lower().startswith(low):
                continue
            candidate = _symbol_candidate(symbol, replace)
            candidate.insert_text = f"{name}({', '.join(symbol.params)})\n{{\n\t$0\n}}"
            candidate.snippet = True
            candidate.label_detail = "  (implement forward)"
            out.append(candidate)
    out.sort(key=lambda c: (not c.label.startswith(prefix), c.label))
    return out


def _in_body(view: DocumentView, offset: int) -> bool:
    """Inside a function whose text is too broken for the tree to say so: a local's scope."""
    return any(d.scope is not None and d.scope[0] <= offset <= d.scope[1] for d in view.semantic.index.locals)


# Words the compiler knows without an include: keywords, and its built-in constants.
_BUILTIN_CONSTANTS = (
    "EOS cellmax cellmin INVALID_FUNCTION __Pawn __LINE__ __DATE__ __TIME__ __BINARY_PATH__ __BINARY_NAME__".split()
)
_STATEMENT_WORDS = tuple(
    [
        (w, "keyword")
        for w in """any bool break case char const continue default delete do else false float for if int
    new null return sizeof static switch this true view_as void while decl Float String""".split()
    ]
    + [(w, "constant") for w in _BUILTIN_CONSTANTS]
)
# Words of a file-scope initialiser, array size or preprocessor line (`int x = |`).
_VALUE_WORDS = tuple(
    [(w, "keyword") for w in "false null sizeof true view_as defined".split()]
    + [(w, "constant") for w in _BUILTIN_CONSTANTS]
)
_TOP_WORDS = tuple(
    (w, "keyword")
    for w in """any bool char const enum float forward int methodmap native new property public static stock
    typedef typeset void""".split()
)


def _after_enclosing_function(view: DocumentView, offset: int, text: str) -> Edit:
    found = view.function_at(offset)
    end = found[1].end_byte if found else len(view.source)
    return (end, end, "\n" + text.rstrip("\n") if text.startswith("\n") else text)


_KIND = {
    "native": "function", "stock": "function", "forward": "function", "function": "function",
    "method": "method", "property": "property", "constructor": "constructor", "methodmap": "class",
    "enum_struct": "class", "enum": "enum", "enum_member": "constant", "define": "constant",
    "macro": "constant", "typedef": "class", "typeset": "class", "funcenum": "class", "functag": "class",
    "global": "variable", "local": "variable", "parameter": "variable", "field": "field", "struct": "class",
}  # fmt: skip


def _symbol_candidate(symbol: Decl, replace: tuple[int, int], member: bool = False, rank: str = "") -> Candidate:
    return Candidate(
        symbol.name,
        _KIND.get(symbol.kind, "variable"),
        detail=symbol.kind,
        replace=replace,
        sort_text=(rank or ("1" if not member else "0")) + symbol.name,
        resolve={"type": "symbol", "name": symbol.name, "parent": symbol.parent if member else "", "kind": symbol.kind},
        deprecated=bool(symbol.deprecated) or "@deprecated" in symbol.doc,
    )


def _after_public(source: bytes, word_start: int) -> bool:
    """`public` written just before the word (`public On|`)."""
    return re.search(rb"(?<!\w)public\s*$", source[max(0, word_start - 64) : word_start]) is not None


def _forward_candidate(symbol: Decl, replace: tuple[int, int], after_public: bool = False) -> Candidate:
    head = re.sub(r"^\s*forward\s+", "" if after_public else "public ", symbol.signature)
    candidate = _symbol_candidate(symbol, replace)
    candidate.insert_text = f"{head}\n{{\n\t$0\n}}"
    candidate.snippet = True
    candidate.label_detail = "  (implement forward)"
    return candidate


def resolve(view: DocumentView, data: dict[str, Any]) -> tuple[str, str]:
    """(detail, markdown documentation) of a candidate, from its `resolve` data."""
    if data.get("type") == "event":
        info = view.catalogue.get(str(data.get("name")))
        return ("event", docs.event_markdown(info)) if info else ("", "")
    name = str(data.get("name", ""))
    parent = str(data.get("parent") or "")
    found = [m for m in view.members(parent) if m.name == name] if parent else view.semantic.program.lookup(name)
    if not found:
        return "", ""
    symbol = found[0]
    return symbol.signature, docs.symbol_markdown(symbol)
