"""Semantic tokens: every name of a document classified by what it resolves to (natives,
stocks, functions, parameters, locals, globals, enum members, methodmaps, properties,
macros), with modifiers (declaration, deprecated, static, read-only, SourceMod's own).

`encode` gives LSP's relative integer encoding; `edits` the delta between two encodings (one
edit: the differing middle), for semanticTokens/full/delta.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from spcopilot.diagnostics.semantic import Decl
from spcopilot.diagnostics.semantic import symbols as k
from spcopilot.server.features.view import DocumentView

TOKEN_TYPES = (
    "function", "method", "parameter", "variable", "property", "enumMember", "enum", "class", "struct",
    "type", "macro",
)  # fmt: skip
TOKEN_MODIFIERS = (
    "declaration", "readonly", "static", "deprecated", "defaultLibrary", "native", "stock", "forward",
    "global",
)  # fmt: skip
_TYPE = {name: i for i, name in enumerate(TOKEN_TYPES)}
_MOD = {name: 1 << i for i, name in enumerate(TOKEN_MODIFIERS)}

_KIND_TYPE = {
    k.FUNCTION: "function", k.STOCK: "function", k.NATIVE: "function", k.FORWARD: "function",
    k.METHOD: "method", k.CONSTRUCTOR: "method", k.DESTRUCTOR: "method", k.GETTER: "method", k.SETTER: "method",
    k.PARAMETER: "parameter", k.LOCAL: "variable", k.GLOBAL: "variable", k.FIELD: "property",
    k.PROPERTY: "property", k.ENUM_MEMBER: "enumMember", k.ENUM: "enum", k.METHODMAP: "class",
    k.ENUM_STRUCT: "struct", k.STRUCT: "struct", k.TYPEDEF: "type", k.TYPESET: "type", k.FUNCENUM: "type",
    k.FUNCTAG: "type", k.DEFINE: "macro", k.MACRO: "macro",
}  # fmt: skip
_KIND_MODIFIERS = {
    k.NATIVE: _MOD["native"], k.STOCK: _MOD["stock"], k.FORWARD: _MOD["forward"], k.GLOBAL: _MOD["global"],
    k.ENUM_MEMBER: _MOD["readonly"], k.DEFINE: _MOD["readonly"],
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Token:
    start: int  # bytes
    end: int
    type: str
    modifiers: tuple[str, ...]


def classify(view: DocumentView) -> list[tuple[int, int, int, int]]:
    """(start byte, end byte, type index, modifier bits) of every name that resolves."""
    if not view.analysed:
        return []
    model = view.semantic
    workspace = view.workspace
    read_only = workspace.read_only if workspace is not None else (lambda path: False)
    memo: dict[int, tuple[int, int] | None] = {}
    out = []
    for ref in model.refs:
        if ref.role == k.THIS:
            continue
        decls = model.resolve(ref)
        if not decls:
            continue
        decl = decls[0]
        key = id(decl)
        if key not in memo:
            memo[key] = _classification(decl, read_only)
        found = memo[key]
        if found is None:
            continue
        modifiers = found[1] | _MOD["declaration"] if ref.role == k.DECLARATION else found[1]
        out.append((ref.start, ref.end, found[0], modifiers))
    return out


def _classification(decl: Decl, read_only: Callable[[str], bool]) -> tuple[int, int] | None:
    name = _KIND_TYPE.get(decl.kind)
    if name is None:
        return None
    bits = _KIND_MODIFIERS.get(decl.kind, 0)
    if decl.deprecated:
        bits |= _MOD["deprecated"]
    if decl.static:
        bits |= _MOD["static"]
    if read_only(decl.path):
        bits |= _MOD["defaultLibrary"]
    return _TYPE[name], bits


def encode(view: DocumentView, encoding: str = "utf-16") -> list[int]:
    """LSP's encoding: per token deltaLine, deltaStart, length, type, modifiers."""
    lines = view.lines
    assert lines is not None
    starts = lines.line_starts
    source = view.source
    ascii_only = source.isascii() or encoding == "utf-8"
    data: list[int] = []
    previous_line = previous_column = 0
    for start, end, type_index, modifiers in classify(view):
        line = bisect_right(starts, start) - 1
        if ascii_only:
            column = start - starts[line]
            length = end - start
        else:
            column = _units(source[starts[line] : start], encoding)
            length = _units(source[start:end], encoding)
        delta_line = line - previous_line
        delta_column = column - previous_column if delta_line == 0 else column
        data += (delta_line, delta_column, length, type_index, modifiers)
        previous_line, previous_column = line, column
    return data


def _units(text: bytes, encoding: str) -> int:
    decoded = text.decode("utf-8", "replace")
    if encoding == "utf-32":
        return len(decoded)
    return len(decoded.encode("utf-16-le")) // 2


def decode(data: list[int]) -> list[tuple[int, int, int, str, tuple[str, ...]]]:
    """(line, column, length, type, modifiers) of an encoding (tests, fixtures)."""
    out = []
    line = column = 0
    for i in range(0, len(data), 5):
        delta_line, delta_column, length, type_index, bits = data[i : i + 5]
        line += delta_line
        column = column + delta_column if delta_line == 0 else delta_column
        mods = tuple(name for name, bit in _MOD.items() if bits & bit)
        out.append((line, column, length, TOKEN_TYPES[type_index], mods))
    return out


def edits(old: list[int], new: list[int]) -> list[tuple[int, int, list[int]]]:
    """The delta from `old` to `new` as (start, delete count, data) edits: the one differing
    stretch between the common head and tail, whole tokens (5 integers) at a time."""
    if old == new:
        return []
    head = 0
    limit = min(len(old), len(new))
    while head < limit and old[head] == new[head]:
        head += 1
    head -= head % 5
    tail = 0
    while tail < limit - head and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
        tail += 1
    tail -= tail % 5
    return [(head, len(old) - head - tail, new[head : len(new) - tail])]
