"""What one SourcePawn file declares: natives, stocks, methodmaps and their members, enums,
defines, typedefs, globals, each with its signature and doc comment (one query over the tree).

The include index runs this over every include file; the language server runs it over the
open document (outline, go-to-definition, hover).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from spcopilot.diagnostics.matching import captures, matches, query_roots
from spcopilot.diagnostics.parsing import compile_query, parse
from tree_sitter import Node, Tree

KINDS = (
    "native", "stock", "forward", "function", "methodmap", "method", "property", "constructor",
    "enum", "enum_member", "enum_struct", "define", "typedef", "typeset", "funcenum", "functag",
    "global",
)  # fmt: skip
# Kinds that live inside a methodmap or enum struct (reached through the type, not by name).
MEMBER_KINDS = frozenset({"method", "property", "constructor"})

SYMBOL_QUERY = """
(function_declaration) @declaration
(function_definition) @definition
(methodmap) @methodmap
(methodmap_native) @method
(methodmap_method) @method
(enum_struct_method) @method
(methodmap_native_constructor) @constructor
(methodmap_method_constructor) @constructor
(methodmap_property) @property
(enum_struct_field) @property
(enum) @enum
(enum_entry) @enum_member
(enum_struct) @enum_struct
(preproc_define) @define
(preproc_macro) @define
(typedef) @typedef
(typeset) @typeset
(funcenum) @funcenum
(functag) @functag
(global_variable_declaration) @global
(old_global_variable_declaration) @global
(struct_declaration) @global
"""
INCLUDE_QUERY = """
(preproc_include path: (_) @path) @include
(preproc_tryinclude path: (_) @path) @include
"""
# Nodes allowed between a doc comment and what it documents.
_BETWEEN_DOC_AND_DECLARATION = frozenset({"preproc_pragma"})
_CONTAINERS = ("methodmap", "enum_struct", "enum")  # also their capture names in SYMBOL_QUERY
_NESTED_CONTAINERS = 4  # containers looked through for one around a node (they do not nest)


@dataclass(frozen=True, slots=True)
class Symbol:
    name: str
    kind: str  # one of KINDS
    signature: str  # the declaration as written up to the body, whitespace-normalised
    doc: str = ""  # the doc comment without comment markers
    path: str = ""
    line: int = 0  # 0-based
    parent: str = ""  # the methodmap / enum struct / enum a member belongs to
    params: tuple[str, ...] = ()
    return_type: str = ""
    inherits: str = ""  # methodmap X < inherits

    @property
    def is_member(self) -> bool:
        """Reached through a type (`list.Push`), not a name in the global scope."""
        return self.kind in MEMBER_KINDS

    def to_json(self) -> list:
        return [self.name, self.kind, self.signature, self.doc, self.line, self.parent,
                list(self.params), self.return_type, self.inherits]  # fmt: skip

    @classmethod
    def from_json(cls, row: list, path: str) -> Symbol:
        name, kind, signature, doc, line, parent, params, return_type, inherits = row
        return cls(name, kind, signature, doc, path, line, parent, tuple(params), return_type, inherits)


@dataclass(frozen=True, slots=True)
class IncludeRef:
    """An `#include` / `#tryinclude` line, without the tree it came from (so it can be cached)."""

    name: str  # as written, without <> or quotes
    system: bool  # <name> rather than "name"
    optional: bool = False  # #tryinclude


@dataclass(frozen=True, slots=True)
class FileSymbols:
    symbols: tuple[Symbol, ...]
    includes: tuple[IncludeRef, ...]


def symbols_of_source(source: bytes, path: str = "", tree: Tree | None = None) -> list[Symbol]:
    """The symbols an in-memory document declares (the editor's open file; `tree`: its parse
    tree, when there is one already: a megabyte document is not parsed again, unbudgeted)."""
    return list(read_declarations(source, path, tree).symbols)


def read_declarations(source: bytes, path: str = "", tree: Tree | None = None) -> FileSymbols:
    root = (tree if tree is not None else parse(source)).root_node
    symbol_query, include_query = compile_query(SYMBOL_QUERY), compile_query(INCLUDE_QUERY)
    captured = captures(symbol_query, root, query_roots(SYMBOL_QUERY))
    reader = _Reader(source, path, [n for kind in _CONTAINERS for n in captured.get(kind, ())])
    found: list[tuple[int, Symbol]] = []
    for kind, nodes in captured.items():
        for node in nodes:
            found += [(node.start_byte, s) for s in reader.symbols(kind, node)]
    found.sort(key=lambda pair: pair[0])
    symbols = [s for _, s in found]
    includes = []
    for _, caps in matches(include_query, root, query_roots(INCLUDE_QUERY)):
        raw = reader.text(caps["path"][0]).strip()
        name = raw.strip('<>"').replace("\\", "/")
        includes.append(IncludeRef(name, raw.startswith("<"), caps["include"][0].type == "preproc_tryinclude"))
    return FileSymbols(tuple(symbols), tuple(includes))


class _Reader:
    def __init__(self, source: bytes, path: str, containers: list[Node]) -> None:
        self.source = source
        self.path = path
        # Methodmaps, enum structs and enums by position: a member's container is found by
        # bisection instead of a walk up the tree (each `.parent` costs the node's depth).
        self._containers = sorted(containers, key=lambda n: n.start_byte)
        self._container_starts = [n.start_byte for n in self._containers]

    def text(self, node: Node | None) -> str:
        if node is None:
            return ""
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def symbols(self, capture: str, node: Node) -> list[Symbol]:
        if capture == "global":
            return self._globals(node)
        name_node = node.child_by_field_name("name")
        if name_node is None or name_node.type != "identifier":
            return []  # anonymous enum
        kind = self._kind(capture, node)
        return [
            Symbol(
                name=self.text(name_node),
                kind=kind,
                signature=self.signature(node, kind),
                doc=doc_comment(node, self.source),
                path=self.path,
                line=node.start_point.row,
                parent=self._parent(node),
                params=self._params(node),
                return_type=self._return_type(node, capture),
                inherits=self.text(node.child_by_field_name("inherits")),
            )
        ]

    def _kind(self, capture: str, node: Node) -> str:
        if capture == "declaration":
            kind = self.text(node.child_by_field_name("kind")).strip()
            return "forward" if kind == "forward" else "native"
        if capture == "definition":
            visibility = self.text(node.child_by_field_name("visibility")).split()
            return "stock" if "stock" in visibility else "function"
        return capture

    def _parent(self, node: Node) -> str:
        """The name of the innermost methodmap / enum struct / enum around the node."""
        i = bisect_right(self._container_starts, node.start_byte) - 1
        for container in reversed(self._containers[max(0, i - _NESTED_CONTAINERS) : i + 1]):
            if container.end_byte >= node.end_byte and container.id != node.id:
                name = container.child_by_field_name("name")
                return self.text(name) if name is not None and name.type == "identifier" else ""
        return ""

    def _params(self, node: Node) -> tuple[str, ...]:
        params = node.child_by_field_name("parameters")
        if params is None and node.type == "typedef":
            expression = next((c for c in node.named_children if c.type == "typedef_expression"), None)
            params = expression.child_by_field_name("parameters") if expression is not None else None
        if params is None:
            return ()
        return tuple(
            normalise(self._text_without_comments(p, p.end_byte))
            for p in params.named_children
            if p.type in ("parameter_declaration", "rest_parameter")
        )

    def _return_type(self, node: Node, capture: str) -> str:
        if capture == "constructor":
            return self._parent(node)
        if node.type in ("methodmap_property", "enum_struct_field"):
            return self.text(node.child_by_field_name("type"))
        holder = node
        if node.type == "typedef":
            holder = next((c for c in node.named_children if c.type == "typedef_expression"), node)
        parts = [self.text(c) for c in holder.children_by_field_name("returnType")]
        return "".join(parts).strip().removesuffix(":").strip()

    def _globals(self, node: Node) -> list[Symbol]:
        doc = doc_comment(node, self.source)
        if node.type == "struct_declaration":
            name = node.child_by_field_name("name")
            equals = next((c for c in node.children if c.type == "="), None)
            end = equals.start_byte if equals is not None else node.end_byte
            return [
                self._global(
                    name,
                    self._text_without_comments(node, end),
                    doc,
                    node.child_by_field_name("type"),
                )
            ]
        out = []
        declarators = [c for c in node.named_children if c.type in ("variable_declaration", "old_variable_declaration")]
        prefix = self._text_without_comments(node, declarators[0].start_byte) if declarators else ""
        for declarator in declarators:
            name = declarator.child_by_field_name("name")
            if name is None:
                continue
            value = declarator.child_by_field_name("initialValue")
            end = value.start_byte if value is not None else declarator.end_byte
            written = self.source[declarator.start_byte : end].decode("utf-8", "replace").rstrip().removesuffix("=")
            type_node = node.child_by_field_name("type") or declarator.child_by_field_name("type")
            out.append(self._global(name, f"{prefix} {written}", doc, type_node))
        return out

    def _global(self, name: Node | None, written: str, doc: str, type_node: Node | None) -> Symbol:
        return Symbol(
            name=self.text(name),
            kind="global",
            signature=normalise(written),
            doc=doc,
            path=self.path,
            line=name.start_point.row if name is not None else 0,
            return_type=self.text(type_node).strip().removesuffix(":"),
        )

    def signature(self, node: Node, kind: str) -> str:
        if kind in ("typeset", "funcenum"):  # the members are the declaration
            return normalise(self._text_without_comments(node, node.end_byte)).removesuffix(";").rstrip()
        return normalise(self._text_without_comments(node, _body_start(node))).removesuffix(";").rstrip()

    def _text_without_comments(self, node: Node, end: int) -> str:
        """The node's text from its start to `end`, comments left out."""
        pieces, position = [], node.start_byte
        for comment in _comments_within(node, end):
            pieces.append(self.source[position : comment.start_byte])
            position = comment.end_byte
        pieces.append(self.source[position:end])
        return b" ".join(pieces).decode("utf-8", "replace")


def _body_start(node: Node) -> int:
    """Where the declaration ends and its body begins (or the node's end)."""
    for field in ("body", "entries"):
        body = node.child_by_field_name(field)
        if body is not None:
            return body.start_byte
    for child in node.children:
        if child.type in ("{", "=") and node.type not in ("typedef", "enum_entry"):
            return child.start_byte
    return node.end_byte


def _comments_within(node: Node, end: int) -> list[Node]:
    found: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        for child in current.children:
            if child.start_byte >= end:
                break
            if child.type == "comment":
                found.append(child)
            elif child.child_count:
                stack.append(child)
    return sorted(found, key=lambda c: c.start_byte)


def normalise(text: str) -> str:
    """One space between words; none just inside brackets or before commas."""
    out = " ".join(text.split())
    for spaced, tight in (("( ", "("), (" )", ")"), (" ,", ","), ("[ ", "["), (" ]", "]")):
        out = out.replace(spaced, tight)
    return out


# -- doc comments -----------------------------------------------------------------------------
def doc_comment(node: Node, source: bytes) -> str:
    """The comment right above a declaration (`/** … */`, `/* … */` or consecutive `//` lines,
    `#pragma` lines allowed in between), else a `/**< … */` or `//` comment after it on its line."""
    leading = _leading_comments(node, source)
    if leading:
        return clean_comment("\n".join(_text(c, source) for c in leading))
    trailing = node.next_named_sibling
    one_line = node.start_point.row == _last_row(node)
    if (
        one_line
        and trailing is not None
        and trailing.type == "comment"
        and trailing.start_point.row == node.start_point.row
    ):
        return clean_comment(_text(trailing, source))
    return ""


def _leading_comments(node: Node, source: bytes) -> list[Node]:
    above = node.prev_named_sibling
    top_row = node.start_point.row
    while above is not None and above.type in _BETWEEN_DOC_AND_DECLARATION and above.end_point.row >= top_row - 1:
        top_row = above.start_point.row
        above = above.prev_named_sibling
    comments: list[Node] = []
    while above is not None and above.type == "comment" and above.end_point.row >= top_row - 1:
        text = _text(above, source)
        if text.startswith(("/**<", "//<")) or _is_trailing(above):
            break
        if text.startswith("/*"):  # a block ends the doc (`// L4D2 only` lines may follow it)
            comments.append(above)
            break
        comments.append(above)
        top_row = above.start_point.row
        above = above.prev_named_sibling
    return comments[::-1]


def _is_trailing(comment: Node) -> bool:
    """A comment that ends a line of code belongs to that code, not to what follows."""
    before = comment.prev_sibling
    return before is not None and _last_row(before) == comment.start_point.row


def _last_row(node: Node) -> int:
    """The last line a node covers (a `#define` ends at the start of the next line)."""
    end = node.end_point
    return end.row - 1 if end.column == 0 and end.row > node.start_point.row else end.row


def _text(node: Node, source: bytes) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def clean_comment(text: str) -> str:
    """Comment markers and leading `*` removed; blank edges dropped; @param lines kept."""
    lines = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("//"):
            line = line[2:].lstrip("/").removeprefix("<")
        else:
            for marker in ("/**<", "/**", "/*!", "/*"):
                if line.startswith(marker):
                    line = line[len(marker) :]
                    break
            line = line.removesuffix("*/").strip().lstrip("*")
        lines.append(line.strip())
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)
