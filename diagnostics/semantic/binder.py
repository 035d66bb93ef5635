"""Read one file into declarations and references: the binder.

One walk over each top-level item. Declarations get the exact bytes of their names; scopes are
kept as the walk goes (function, parameters, blocks, `for` initialisers), so a name in a
function body is bound to its local or parameter right away, innermost first, and only names
that no enclosing scope declares are left for the file's global scope (semantic/scope.py).
A member access remembers its receiver as a type expression (symbols.TypeExpr), evaluated
later against the whole program.
"""

from __future__ import annotations

import logging
import re
import sys

from spcopilot.diagnostics.include_symbols import _Reader, doc_comment, normalise
from spcopilot.diagnostics.semantic import symbols as k
from spcopilot.diagnostics.semantic.keywords import KEYWORDS
from spcopilot.diagnostics.semantic.occurrences import Occurrences
from spcopilot.diagnostics.semantic.symbols import FIXED, Anchor, Decl, Ref, TypeExpr
from spcopilot.diagnostics.text import LineIndex
from tree_sitter import Node, Tree

log = logging.getLogger(__name__)
# Old syntax tags that are not types anyone declares.
_BUILTIN_TAGS = frozenset({"_", "any", "bool", "Float", "String", "float", "int", "char", "void"})
_IDENT = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_CONDITION_WORDS = frozenset({b"defined"})
_OLD_DECLARERS = frozenset(
    {"new", "decl", "static", "public", "stock", "const", "variable_storage_class", "visibility"}
)
# Bytes of an item's first and last lines outside it beyond which it is not reused (item_keys).
_SHARED_LINE = 4096
_SKIP = frozenset({"comment", "string_literal", "char_literal", "int_literal", "float_literal", "bool_literal"})


class IncludeDirective:
    """An `#include`/`#tryinclude` line: the path as written and the bytes of the path."""

    __slots__ = ("anchor", "first", "last", "name", "optional", "system")

    def __init__(self, name: str, system: bool, optional: bool, first: int, last: int, anchor: Anchor) -> None:
        self.name = name
        self.system = system
        self.optional = optional
        self.first = first
        self.last = last
        self.anchor = anchor

    @property
    def start(self) -> int:
        return self.first + self.anchor.bytes

    @property
    def end(self) -> int:
        return self.last + self.anchor.bytes


class ItemIndex:
    """What one top-level item declares and names. Kept while the item's text (with the doc
    comments above it and the rest of its last line) stays the same; an edit elsewhere only
    moves it (its anchor)."""

    __slots__ = ("anchor", "decls", "first", "includes", "key", "locals", "refs", "row")

    def __init__(self, anchor: Anchor, first: int, row: int) -> None:
        self.anchor = anchor
        self.first = first  # where the item's key text started when it was read
        self.row = row
        self.decls: list[Decl] = []
        self.locals: list[Decl] = []
        self.refs: list[Ref] = []
        self.includes: list[IncludeDirective] = []
        self.key: bytes | None = None  # kept for open documents (the next version reuses by it)

    def move_to(self, start: int, row: int) -> None:
        self.anchor.bytes = start - self.first
        self.anchor.lines = row - self.row


class FileIndex:
    """What one file declares and names: its items' declarations the rest of the program can
    see (`decls`: globals, types, their members, macros), the parameters and locals of every
    function (`locals`, each with the bytes where it can be named) and every identifier
    (`refs`, in file order)."""

    __slots__ = ("_occurrences", "_refs", "decls", "includes", "items", "locals", "path", "size")

    def __init__(self, path: str, size: int, items: list[ItemIndex]) -> None:
        self.path = path
        self.size = size
        self.items = items
        self.decls = [d for item in items for d in item.decls]
        self.locals = [d for item in items for d in item.locals]
        self.includes = [i for item in items for i in item.includes]
        self._refs: list[Ref] | None = None
        self._occurrences: Occurrences | None = None

    @property
    def refs(self) -> list[Ref]:
        """Every reference in file order (the items' own lists are sorted and items do not overlap)."""
        if self._refs is None:
            self._refs = [r for item in self.items for r in item.refs]
        return self._refs

    @property
    def occurrences(self) -> Occurrences:
        if self._occurrences is None:
            self._occurrences = Occurrences(self.refs, frozenset(id(d) for d in self.locals))
        return self._occurrences

    def summary(self, source: bytes | None = None) -> FileSummary:
        """What the workspace keeps of a file that is not open. With the file's text, the
        occurrences get their lines and columns (and an ASCII file needs no reading to place them)."""
        if source is None:
            return FileSummary(self.path, self.size, self.decls, self.includes, self.occurrences, False)
        starts = LineIndex(source).line_starts
        occurrences = Occurrences(self.refs, frozenset(id(d) for d in self.locals), starts)
        return FileSummary(self.path, self.size, self.decls, self.includes, occurrences, source.isascii())


class FileSummary:
    """What the workspace index keeps of a file that is not open: its declarations, includes
    and the compact occurrences of the names it leaves for the global scope (no tree, no
    reference objects, no locals)."""

    __slots__ = ("ascii", "decls", "includes", "occurrences", "path", "size")

    def __init__(
        self,
        path: str,
        size: int,
        decls: list[Decl],
        includes: list[IncludeDirective],
        occurrences: Occurrences,
        ascii_only: bool,
    ) -> None:
        self.path = path
        self.size = size
        self.decls = decls
        self.includes = includes
        self.occurrences = occurrences
        self.ascii = ascii_only  # byte columns are character columns in every encoding


ItemCache = dict[bytes, list[ItemIndex]]


def item_keys(tree: Tree, source: bytes) -> list[tuple[Node, bytes | None, int, int]]:
    """Each top-level item that can declare or name something, with its key text (from the
    start of the line of the doc comments above it to the end of its last line) and where
    that text starts (bytes, line). An item that shares a long line with others (more than
    `_SHARED_LINE` bytes of it around the item) gets no key and is bound afresh each version:
    a key per item of the whole line would cost the line's length per item (64,000 `(` on one
    line: 4 GB of keys)."""
    out: list[tuple[Node, bytes | None, int, int]] = []
    run_start: Node | None = None
    for child in tree.root_node.children:
        kind = child.type
        if kind in ("comment", "preproc_pragma"):
            run_start = run_start or child
            continue
        if not child.is_named:  # a token that error recovery left at the top level (`(`, `;`): names nothing
            run_start = None
            continue
        first = run_start or child
        # A type alone on the line above (`Handle` ⏎ `g_h = null;`) is part of the declaration.
        run_start = child if kind == "old_global_variable_declaration" and is_bare_name(child) else None
        # The searches for the line ends are bounded, so a long line costs each item at most
        # `_SHARED_LINE` bytes (a line index of the whole file would cost every edit its size).
        lo = max(0, first.start_byte - _SHARED_LINE)
        start = source.rfind(b"\n", lo, first.start_byte) + 1
        end = source.find(b"\n", child.end_byte, child.end_byte + _SHARED_LINE) + 1
        if end == 0 and child.end_byte + _SHARED_LINE >= len(source):
            end = len(source)
        if (start == 0 and lo > 0) or end == 0 or (first.start_byte - start) + (end - child.end_byte) > _SHARED_LINE:
            out.append((child, None, first.start_byte, first.start_point.row))
            continue
        # Where the item itself lies in that text is part of the key: after an edit the same
        # line can hold an item that starts elsewhere (`void` taken by a broken item before it).
        where = b"\0%d:%d:" % (child.start_byte - start, child.end_byte - start) + kind.encode()
        if kind == "old_global_variable_declaration" and is_bare_name(child):
            following = _next_item(child)  # a type when a declaration follows (see the binder)
            where += b":type" if following is not None and _undeclared(following) else b":name"
        out.append((child, source[start:end] + where, start, first.start_point.row))
    return out


def bind(tree: Tree, source: bytes, path: str = "", reuse: ItemCache | None = None) -> FileIndex:
    """Bind a file. With `reuse` (the items of the document's previous version, by key), an
    item whose key text is unchanged and error-free is moved instead of read again."""
    binder = _Binder(source, path)
    items = []
    for node, key, start, row in item_keys(tree, source):
        old = reuse.get(key) if reuse and key is not None else None
        if old and not node.has_error:
            item = old.pop()
            item.move_to(start, row)
        else:
            item = binder.item_index(node, start, row)
        if reuse is not None:
            item.key = key
        items.append(item)
    return FileIndex(path, len(source), items)


def item_cache(index: FileIndex) -> ItemCache:
    """The items of a bound version by key, for `bind(..., reuse=)` on the next version."""
    cache: ItemCache = {}
    for item in index.items:
        if item.key is not None:
            cache.setdefault(item.key, []).append(item)
    return cache


def bind_function(function: Node, source: bytes) -> ItemIndex:
    """One function or method on its own: its parameters and locals with their scopes (what
    the rules ask: which declaration does this name have here)."""
    binder = _Binder(source, "")
    binder.locals_only = True
    binder.start_item(function, function.start_byte, function.start_point.row)
    kind = function.type
    if kind == "function_definition":
        binder._function_definition(function)
    elif kind in ("methodmap_method_constructor", "methodmap_native_constructor"):
        binder.callable(function, k.CONSTRUCTOR, capture="constructor")
    elif kind == "methodmap_property_method":
        for part in function.named_children:
            if part.type in ("methodmap_property_getter", "methodmap_property_setter"):
                binder.accessor(function, part, None, "")
    else:
        binder.callable(function, k.METHOD, capture="method")
    return binder.current


def visible_locals(locals_: list[Decl], offset: int, name: str | None = None) -> dict[str, Decl]:
    """The locals and parameters that can be named at `offset` (of one name, if given): of
    each name the innermost, that is, the one whose scope starts last."""
    out: dict[str, Decl] = {}
    for d in locals_:
        if name is not None and d.name != name:
            continue
        scope = d.scope
        if scope is None or not (scope[0] <= offset <= scope[1]) or (d.kind == k.LOCAL and d.end > offset):
            continue
        best = out.get(d.name)
        if best is None or scope[0] >= best.scope[0]:
            out[d.name] = d
    return out


class _Binder:
    def __init__(self, source: bytes, path: str) -> None:
        self.source = source
        self.path = path
        # Only declarations and their scopes (the rules' question): no references, no docs.
        self.locals_only = False
        self.current = ItemIndex(FIXED, 0, 0)
        self.reader = _Reader(source, path, [])  # (the binder knows its containers itself)
        self.scopes: list[dict[str, Decl]] = []
        self.container = ""  # the methodmap / enum struct we are in ("this")
        self.item_end = 0
        self.function = ""

    def start_item(self, node: Node, start: int, row: int) -> None:
        self.current = ItemIndex(Anchor(), start, row)
        self.scopes = [{}]  # statements the grammar left at the top level (broken code) get one
        self.container = self.function = ""
        self.item_end = node.end_byte

    def item_index(self, node: Node, start: int, row: int) -> ItemIndex:
        self.start_item(node, start, row)
        try:
            self.item(node)
        except RecursionError:
            # An expression nested thousands deep: what was read so far is kept; the rest of
            # the item goes unbound rather than taking the server down.
            log.warning("%s: an item at line %d is nested too deeply to bind", self.path or "<document>", row + 1)
        self.current.refs.sort(key=_first)
        return self.current

    # -- helpers ---------------------------------------------------------------------------
    def text(self, node: Node | None) -> str:
        if node is None:
            return ""
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def name(self, node: Node) -> str:
        """A name's text, interned: a workspace holds the same names many times."""
        return sys.intern(self.source[node.start_byte : node.end_byte].decode("utf-8", "replace"))

    def decl(self, name_node: Node, kind: str, span_node: Node, **fields: object) -> Decl:
        point = name_node.start_point
        anchor = self.current.anchor
        d = Decl(
            self.name(name_node),
            kind,
            self.path,
            name_node.start_byte,
            name_node.end_byte,
            point.row,
            point.column,
            (span_node.start_byte, span_node.end_byte),
            anchor=anchor,
            **fields,
        )
        self.current.refs.append(Ref(d.first, d.last, d.name, k.DECLARATION, d, None, anchor))
        return d

    def global_decl(self, name_node: Node | None, kind: str, node: Node, **fields: object) -> Decl | None:
        if name_node is None or name_node.type != "identifier":
            return None
        fields.setdefault("doc", doc_comment(node, self.source))
        fields.setdefault("deprecated", _deprecation(node, self.source, str(fields["doc"])))
        d = self.decl(name_node, kind, node, **fields)
        self.current.decls.append(d)
        return d

    def ref(self, node: Node, role: str, receiver: TypeExpr | None = None) -> None:
        if self.locals_only:
            return
        name = self.name(node)
        target = self.lookup(name) if role == k.NAME else None
        self.current.refs.append(Ref(node.start_byte, node.end_byte, name, role, target, receiver, self.current.anchor))

    def written(self, node: Node) -> str:
        """A node's text, comments left out, whitespace-normalised."""
        raw = self.source[node.start_byte : node.end_byte]
        if b"/" in raw:
            return normalise(self.reader._text_without_comments(node, node.end_byte))
        text = raw.decode("utf-8", "replace")
        return normalise(text) if "  " in text or "\n" in text or "\t" in text or "( " in text else text

    def lookup(self, name: str) -> Decl | None:
        for scope in reversed(self.scopes):
            found = scope.get(name)
            if found is not None:
                return found
        return None

    def declare_local(self, d: Decl, scope_end: int) -> None:
        d.scope_read = (d.last, scope_end)
        self.scopes[-1][d.name] = d
        self.current.locals.append(d)

    # -- top-level items -------------------------------------------------------------------
    def item(self, node: Node) -> None:
        kind = node.type
        method = getattr(self, "_" + kind, None)
        if method is not None:
            method(node)
        elif kind in _SKIP:
            return
        else:
            self.walk(node)

    def _function_definition(self, node: Node) -> None:
        visibility = self.text(node.child_by_field_name("visibility")).split()
        kind = k.STOCK if "stock" in visibility else k.FUNCTION
        self.callable(node, kind)

    def _function_declaration(self, node: Node) -> None:
        kind = k.FORWARD if self.text(node.child_by_field_name("kind")).strip() == "forward" else k.NATIVE
        self.callable(node, kind)

    def callable(self, node: Node, kind: str, parent: str = "", capture: str = "definition") -> Decl | None:
        """A function, native, forward or method: its declaration, parameters and body."""
        self.return_types(node)
        name = node.child_by_field_name("name")
        if self.locals_only:
            self.function_body(node, None, name)
            return None
        reader_kind = kind if kind in (k.FUNCTION, k.STOCK, k.NATIVE, k.FORWARD) else k.METHOD
        d = self.global_decl(
            name,
            kind,
            node,
            parent=parent,
            type=parent if kind == k.CONSTRUCTOR else self.reader._return_type(node, capture),
            signature=self.reader.signature(node, reader_kind),
            params=self.reader._params(node),
            static=_is_static(node),
        )
        self.function_body(node, d, name)
        return d

    def return_types(self, node: Node) -> None:
        for child in node.children_by_field_name("returnType"):
            self.types(child)

    def function_body(self, node: Node, d: Decl | None, name: Node | None) -> None:
        outer_function = self.function
        self.function = d.name if d is not None else self.text(name)
        self.scopes.append({})
        params = node.child_by_field_name("parameters")
        if params is not None:
            decls = self.parameters(params, node.end_byte)
            if d is not None:
                d.param_decls = tuple(decls)
        body = node.child_by_field_name("body")
        if body is not None:
            self.statement(body)
        self.scopes.pop()
        self.function = outer_function

    def parameters(self, params: Node, scope_end: int) -> list[Decl]:
        out = []
        for p in params.named_children:
            if p.type == "parameter_declaration":
                out.append(self.parameter(p, scope_end))
            elif p.type == "rest_parameter":
                self.types(p.child_by_field_name("type"))
            elif p.type not in _SKIP:
                self.walk(p)
        return [d for d in out if d is not None]

    def parameter(self, p: Node, scope_end: int) -> Decl | None:
        type_node = p.child_by_field_name("type")
        self.types(type_node)
        default = p.child_by_field_name("defaultValue")
        if default is not None:
            self.expression(default)
        for child in p.named_children:
            if child.type == "fixed_dimension":
                self.walk(child)
        name = p.child_by_field_name("name")
        if name is None:
            return None
        d = self.decl(
            name,
            k.PARAMETER,
            p,
            parent=self.function,
            type=_type_name(type_node, self.source),
            signature="" if self.locals_only else self.written(p),
            dims=_dims(p),
        )
        self.declare_local(d, scope_end)
        d.scope_read = (p.start_byte, scope_end)
        return d

    def _global_variable_declaration(self, node: Node) -> None:
        type_node = node.child_by_field_name("type")
        self.types(type_node)
        symbols = {s.name: s for s in self.reader._globals(node)}
        for declarator in node.named_children:
            if declarator.type == "variable_declaration":
                self.global_variable(declarator, node, _type_name(type_node, self.source), symbols)

    def _old_global_variable_declaration(self, node: Node) -> None:
        if is_bare_name(node):
            following = _next_item(node)
            if following is not None and _undeclared(following):
                self.types(_declarators(node)[0].child_by_field_name("name"))  # `Handle` ⏎ `h = null;`
                return
            if _undeclared(node):
                self.walk(node)  # `FOO` alone at the top level: a macro's use, not a declaration
                return
        split_type = ""
        previous = _previous_item(node)
        if _undeclared(node) and previous is not None and is_bare_name(previous):
            split_type = self.text(_declarators(previous)[0].child_by_field_name("name"))
        symbols = {s.name: s for s in self.reader._globals(node)}
        for declarator in _declarators(node):
            type_node = declarator.child_by_field_name("type")
            self.types(type_node)
            type_name = _type_name(type_node, self.source) or split_type
            self.global_variable(declarator, node, type_name, symbols)

    def global_variable(self, declarator: Node, node: Node, type_name: str, symbols: dict) -> None:
        self.dimensions(declarator)
        name = declarator.child_by_field_name("name")
        if name is None:
            return
        symbol = symbols.get(self.text(name))
        self.global_decl(
            name,
            k.GLOBAL,
            node,
            type=type_name,
            signature=symbol.signature if symbol is not None else self.text(declarator),
            dims=_dims(declarator),
        )
        for v in declarator.children_by_field_name("initialValue"):
            if v.is_named:
                self.expression(v)

    def _struct_declaration(self, node: Node) -> None:
        type_node = node.child_by_field_name("type")
        if type_node is not None:
            self.ref(type_node, k.TYPE)
        type_name = self.text(type_node)
        symbols = self.reader._globals(node)
        self.global_decl(
            node.child_by_field_name("name"),
            k.GLOBAL,
            node,
            type=type_name,
            signature=symbols[0].signature if symbols else "",
        )
        value = node.child_by_field_name("value")
        for field_value in value.named_children if value is not None else ():
            if field_value.type == "struct_field_value":
                field = field_value.child_by_field_name("field")
                if field is not None:
                    self.ref(field, k.FIELD_INIT, ("type", type_name))
                v = field_value.child_by_field_name("value")
                if v is not None:
                    self.expression(v)

    def _struct(self, node: Node) -> None:
        d = self.global_decl(node.child_by_field_name("name"), k.STRUCT, node, signature=self.head(node))
        parent = d.name if d is not None else ""
        for member in node.named_children:
            if member.type in ("struct_field", "old_struct_field"):
                for t in member.children_by_field_name("type"):
                    self.types(t)
                type_node = next(
                    (t for t in member.children_by_field_name("type") if t.type in ("type", "old_type")), None
                )
                self.global_decl(
                    member.child_by_field_name("name"),
                    k.FIELD,
                    member,
                    parent=parent,
                    type=_type_name(type_node, self.source),
                    signature=self.written(member).removesuffix(";"),
                )

    def head(self, node: Node) -> str:
        """A type's declaration up to its body."""
        return self.reader.signature(node, node.type)

    def _enum(self, node: Node) -> None:
        name = node.child_by_field_name("name")
        d = None
        if name is not None and name.type == "identifier":
            d = self.global_decl(name, k.ENUM, node, signature=self.head(node))
        for tag in node.children_by_field_name("tag"):
            if tag.type == "identifier":
                self.ref(tag, k.TYPE)
        parent = d.name if d is not None else ""
        entries = node.child_by_field_name("entries")
        for entry in entries.named_children if entries is not None else ():
            if entry.type != "enum_entry":
                if entry.type not in _SKIP:
                    self.walk(entry)
                continue
            for t in entry.children_by_field_name("type"):
                self.types(t)
            value = next((v for v in entry.children_by_field_name("value") if v.is_named), None)
            self.dimensions(entry)
            if value is not None:
                self.expression(value)
            entry_name = entry.child_by_field_name("name")
            signature = f"{parent}::{self.text(entry_name)}" if parent else self.text(entry_name)
            self.global_decl(
                entry_name,
                k.ENUM_MEMBER,
                entry,
                parent=parent,
                type=parent,
                signature=signature,
                value=self.text(value).strip(),
            )

    def _enum_struct(self, node: Node) -> None:
        d = self.global_decl(node.child_by_field_name("name"), k.ENUM_STRUCT, node, signature=self.head(node))
        parent = d.name if d is not None else ""
        outer, self.container = self.container, parent
        for member in node.named_children:
            if member.type == "enum_struct_field":
                type_node = member.child_by_field_name("type")
                self.types(type_node)
                self.dimensions(member)
                type_name = _type_name(type_node, self.source)
                name = member.child_by_field_name("name")
                dims = "[]" * _dims(member)
                self.global_decl(
                    name,
                    k.FIELD,
                    member,
                    parent=parent,
                    type=type_name,
                    signature=f"{self.text(type_node)} {parent}::{self.text(name)}{dims}",
                    dims=_dims(member),
                )
            elif member.type == "enum_struct_method":
                self.callable(member, k.METHOD, parent)
            elif member.type not in _SKIP and member.type != "identifier":
                self.walk(member)
        self.container = outer

    def _methodmap(self, node: Node) -> None:
        inherits = node.child_by_field_name("inherits")
        if inherits is not None:
            self.ref(inherits, k.TYPE)
        d = self.global_decl(
            node.child_by_field_name("name"), k.METHODMAP, node, signature=self.head(node), inherits=self.text(inherits)
        )
        parent = d.name if d is not None else ""
        outer, self.container = self.container, parent
        for member in node.named_children:
            kind = member.type
            if kind in ("methodmap_native", "methodmap_method"):
                self.callable(member, k.METHOD, parent, capture="method")
            elif kind in ("methodmap_native_constructor", "methodmap_method_constructor"):
                self.callable(member, k.CONSTRUCTOR, parent, capture="constructor")
            elif kind in ("methodmap_native_destructor", "methodmap_method_destructor"):
                self.callable(member, k.DESTRUCTOR, parent, capture="constructor")
            elif kind == "methodmap_property":
                self.property(member, parent)
            elif kind == "methodmap_alias":
                self.global_decl(member.child_by_field_name("name"), k.METHOD, member, parent=parent)
                target = member.child_by_field_name("function")
                if target is not None:
                    self.ref(target, k.NAME)
            elif kind not in _SKIP and kind != "identifier":
                self.walk(member)
        self.container = outer

    def property(self, node: Node, parent: str) -> None:
        type_node = node.child_by_field_name("type")
        self.types(type_node)
        name = node.child_by_field_name("name")
        d = self.global_decl(
            name,
            k.PROPERTY,
            node,
            parent=parent,
            type=_type_name(type_node, self.source),
            signature=f"property {self.text(type_node)} {self.text(name)}",
            static=_is_static(node),
        )
        for accessor in node.named_children:
            if accessor.type not in ("methodmap_property_method", "methodmap_property_native"):
                if accessor.type == "methodmap_property_alias":
                    self.walk(accessor)
                continue
            for part in accessor.named_children:
                if part.type in ("methodmap_property_getter", "methodmap_property_setter"):
                    self.accessor(accessor, part, d, parent)

    def accessor(self, node: Node, part: Node, prop: Decl | None, parent: str) -> None:
        getter = part.type == "methodmap_property_getter"
        keyword = part.child_by_field_name("name")
        d = None
        if keyword is not None:
            d = self.decl(
                keyword,
                k.GETTER if getter else k.SETTER,
                node,
                parent=parent,
                type=prop.type if prop is not None else "",
                signature=normalise(self.reader._text_without_comments(node, _body_start(node))),
                doc=doc_comment(node, self.source),
            )
            self.current.decls.append(d)
        outer_function = self.function
        self.function = prop.name if prop is not None else ""
        self.scopes.append({})
        param = part.child_by_field_name("parameter")
        if param is not None:
            p = self.parameter(param, node.end_byte)
            if d is not None and p is not None:
                d.param_decls = (p,)
        body = node.child_by_field_name("body")
        if body is not None:
            self.statement(body)
        self.scopes.pop()
        self.function = outer_function

    def _typedef(self, node: Node) -> None:
        for t in node.children_by_field_name("type"):
            self.types(t)
        expression = next((c for c in node.named_children if c.type == "typedef_expression"), None)
        d = self.global_decl(
            node.child_by_field_name("name"),
            k.TYPEDEF,
            node,
            signature=self.reader.signature(node, "typedef"),
            params=self.reader._params(node),
            type=self.reader._return_type(node, "typedef"),
        )
        if expression is not None:
            self.function_type(expression, d)

    def function_type(self, expression: Node, d: Decl | None) -> None:
        """The parameters of a typedef, typeset member, functag or funcenum member."""
        self.return_types(expression)
        if d is not None:
            variant = (self.reader._return_type(expression, "typedef"), self.reader._params(expression))
            d.variants = (*d.variants, variant)
        self.scopes.append({})
        outer, self.function = self.function, d.name if d is not None else ""
        params = expression.child_by_field_name("parameters")
        decls = self.parameters(params, expression.end_byte) if params is not None else []
        if d is not None and not d.param_decls:
            d.param_decls = tuple(decls)
        self.function = outer
        self.scopes.pop()

    def _typeset(self, node: Node) -> None:
        d = self.global_decl(
            node.child_by_field_name("name"), k.TYPESET, node, signature=self.reader.signature(node, "typeset")
        )
        for member in node.named_children:
            if member.type == "typedef_expression":
                self.function_type(member, d)

    def _funcenum(self, node: Node) -> None:
        d = self.global_decl(
            node.child_by_field_name("name"), k.FUNCENUM, node, signature=self.reader.signature(node, "funcenum")
        )
        for member in node.named_children:
            if member.type == "funcenum_member":
                self.function_type(member, d)

    def _functag(self, node: Node) -> None:
        d = self.global_decl(
            node.child_by_field_name("name"),
            k.FUNCTAG,
            node,
            signature=self.reader.signature(node, "functag"),
            params=self.reader._params(node),
            type=self.reader._return_type(node, "functag"),
        )
        self.function_type(node, d)

    def _preproc_define(self, node: Node) -> None:
        value = node.child_by_field_name("value")
        self.global_decl(
            node.child_by_field_name("name"),
            k.DEFINE,
            node,
            signature=_define_line(node, self.source),
            value=self.text(value).strip(),
        )
        self.macro_body(value)

    def _preproc_macro(self, node: Node) -> None:
        value = node.child_by_field_name("value")
        self.global_decl(
            node.child_by_field_name("name"),
            k.MACRO,
            node,
            signature=_define_line(node, self.source),
            params=tuple(self.text(p) for p in node.children_by_field_name("parameters") if p.type == "macro_param"),
            value=self.text(value).strip(),
        )
        self.macro_body(value)

    def macro_body(self, value: Node | None) -> None:
        """Names in a macro's text (not parsed) refer to globals where it is expanded."""
        if value is None:
            return
        self.preproc_names(value, k.MACRO_TEXT)

    def preproc_names(self, arg: Node, role: str) -> None:
        base = arg.start_byte
        text = self.source[base : arg.end_byte]
        if b"%" in text or b'"' in text or b"'" in text:
            text = _blank_strings_and_params(text)
        for m in _IDENT.finditer(text):
            word = m.group(0)
            if word in _CONDITION_WORDS or (m.start() and text[m.start() - 1 : m.start()].isdigit()):
                continue
            name = sys.intern(word.decode())
            if name in KEYWORDS or name in _BUILTIN_TAGS:
                continue
            self.current.refs.append(Ref(base + m.start(), base + m.end(), name, role, None, None, self.current.anchor))

    def _preproc_if(self, node: Node) -> None:
        condition = node.child_by_field_name("condition")
        if condition is not None:
            self.preproc_names(condition, k.PREPROC)

    _preproc_elseif = _preproc_if

    def _preproc_undefine(self, node: Node) -> None:
        name = node.child_by_field_name("name")
        if name is not None:
            self.ref(name, k.PREPROC)

    def _preproc_include(self, node: Node) -> None:
        path = node.child_by_field_name("path")
        if path is None:
            return
        raw = self.text(path).strip()
        start, end = path.start_byte, path.end_byte
        if raw[:1] in ('"', "<"):
            start, end = start + 1, end - 1 if raw[-1:] in ('"', ">") else end
        name = raw.strip('<>"').replace("\\", "/")
        self.current.includes.append(
            IncludeDirective(
                name, raw.startswith("<"), node.type == "preproc_tryinclude", start, end, self.current.anchor
            )
        )

    _preproc_tryinclude = _preproc_include

    def _preproc_pragma(self, node: Node) -> None:
        return

    # -- statements ------------------------------------------------------------------------
    def statement(self, node: Node) -> None:
        kind = node.type
        if kind == "block":
            self.scopes.append({})
            for child in node.named_children:
                self.statement(child)
            self.scopes.pop()
        elif kind == "variable_declaration_statement" or kind == "old_variable_declaration_statement":
            self.local_declarations(node, self.block_end(node))
        elif kind == "for_statement":
            self.scopes.append({})
            for init in node.children_by_field_name("initialization"):
                if init.type in ("variable_declaration_statement", "old_for_loop_variable_declaration_statement"):
                    self.local_declarations(init, node.end_byte)
                elif init.is_named:
                    self.expression(init)
            for part in ("condition", "iteration"):
                found = node.child_by_field_name(part)
                if found is not None:
                    self.expression(found)
            body = node.child_by_field_name("body")
            if body is not None:
                self.statement(body)
            self.scopes.pop()
        elif kind in ("preproc_define", "preproc_macro", "preproc_if", "preproc_elseif", "preproc_undefine"):
            self.item(node)
        elif kind in _SKIP:
            return
        else:
            for child in node.named_children:
                if child.type in _STATEMENTS:
                    self.statement(child)
                else:
                    self.expression(child)

    def block_end(self, node: Node) -> int:
        """Where the block around a declaration ends (never past the item: broken code can leave
        statements straight under the file)."""
        parent = node.parent
        return min(parent.end_byte, self.item_end) if parent is not None else node.end_byte

    def local_declarations(self, node: Node, scope_end: int) -> None:
        type_node = node.child_by_field_name("type")
        self.types(type_node)
        for declarator in node.named_children:
            kind = declarator.type
            if kind in ("variable_declaration", "old_variable_declaration", "dynamic_array_declaration"):
                own_type = declarator.child_by_field_name("type")
                if own_type is not None:
                    self.types(own_type)
                self.dimensions(declarator)
                for v in declarator.children_by_field_name("initialValue"):
                    if v.is_named:
                        self.expression(v)
                name = declarator.child_by_field_name("name")
                if name is None:
                    continue
                used_type = own_type if own_type is not None else type_node
                written = self.text(used_type) if used_type is not None else ""
                d = self.decl(
                    name,
                    k.LOCAL,
                    declarator,
                    parent=self.function,
                    type=_type_name(used_type, self.source),
                    signature=_local_signature(written, self.text(name), _dims(declarator)),
                    dims=_dims(declarator),
                )
                self.declare_local(d, scope_end)
            elif kind not in ("variable_storage_class", "visibility") and kind not in _SKIP:
                self.walk(declarator)

    def dimensions(self, node: Node) -> None:
        for child in node.named_children:
            if child.type == "fixed_dimension":
                self.walk(child)

    # -- expressions -----------------------------------------------------------------------
    def expression(self, node: Node) -> None:
        if self.locals_only:
            return  # declarations are statements; an expression holds none
        kind = node.type
        if kind == "identifier":
            self.ref(node, k.NAME)
        elif kind == "field_access":
            target = node.child_by_field_name("target")
            if target is not None:
                self.expression(target)
            field = node.child_by_field_name("field")
            if field is not None:
                self.ref(field, k.MEMBER, self.type_of(target))
        elif kind in ("scope_access", "array_scope_access"):
            scope = node.child_by_field_name("scope")
            if scope is not None:
                self.ref(scope, k.TYPE)
            field = node.child_by_field_name("field")
            if field is not None:
                self.ref(field, k.MEMBER, ("type", self.text(scope)))
        elif kind == "call_expression":
            function = node.child_by_field_name("function")
            if function is not None:
                self.expression(function)
            arguments = node.child_by_field_name("arguments")
            if arguments is not None:
                self.arguments(arguments, self.callee(function))
        elif kind == "new_expression":
            cls = node.child_by_field_name("class")
            if cls is not None:
                self.ref(cls, k.NEW)
            arguments = node.child_by_field_name("arguments")
            if arguments is not None:
                self.arguments(arguments, ("type", self.text(cls)))
        elif kind in ("view_as", "old_type_cast"):
            self.types(node.child_by_field_name("type"))
            value = node.child_by_field_name("value")
            if value is not None:
                self.expression(value)
        elif kind == "this":
            if self.container:
                self.current.refs.append(
                    Ref(node.start_byte, node.end_byte, self.container, k.THIS, None, None, self.current.anchor)
                )
        elif kind in ("type", "old_type"):
            self.types(node)
        elif kind == "dynamic_array":
            type_node = node.child_by_field_name("type")
            if type_node is not None and type_node.type == "identifier":
                self.ref(type_node, k.TYPE)
            self.dimensions(node)
        elif kind in _SKIP:
            return
        elif kind in _STATEMENTS or kind in ("preproc_define", "preproc_macro", "preproc_if"):
            self.statement(node)
        elif kind in ("old_variable_declaration", "variable_declaration"):
            for child in node.named_children:
                self.expression(child)
        else:
            for child in node.named_children:
                self.expression(child)

    walk = expression

    def arguments(self, arguments: Node, callee: TypeExpr | None) -> None:
        for argument in arguments.named_children:
            if argument.type == "named_arg":
                name = argument.child_by_field_name("arg_name")
                if name is not None:
                    self.ref(name, k.NAMED_ARG, callee)
                value = argument.child_by_field_name("value")
                if value is not None:
                    self.expression(value)
            else:
                self.expression(argument)

    def callee(self, function: Node | None) -> TypeExpr | None:
        if function is None:
            return None
        if function.type == "identifier":
            return ("name", self.text(function))
        if function.type == "field_access":
            field = function.child_by_field_name("field")
            receiver = self.type_of(function.child_by_field_name("target"))
            if receiver is not None and field is not None:
                return ("member", receiver, self.text(field))
        return None

    def type_of(self, node: Node | None) -> TypeExpr | None:
        """The type of an expression as far as the file alone can tell."""
        if node is None:
            return None
        kind = node.type
        if kind == "identifier":
            name = self.text(node)
            local = self.lookup(name)
            if local is not None:
                return ("type", local.type) if local.type else None
            return ("name", name)
        if kind == "this":
            return ("type", self.container) if self.container else None
        if kind in ("array_indexed_access", "packed_array_indexed_access"):
            return self.type_of(node.child_by_field_name("array"))
        if kind == "field_access":
            inner = self.type_of(node.child_by_field_name("target"))
            field = node.child_by_field_name("field")
            return ("member", inner, self.text(field)) if inner is not None and field is not None else None
        if kind == "call_expression":
            function = node.child_by_field_name("function")
            if function is not None and function.type == "identifier":
                return ("call", self.text(function))
            if function is not None and function.type == "field_access":
                return self.type_of(function)
            return None
        if kind == "new_expression":
            cls = node.child_by_field_name("class")
            return ("type", self.text(cls)) if cls is not None else None
        if kind in ("view_as", "old_type_cast"):
            name = _type_name(node.child_by_field_name("type"), self.source)
            return ("type", name) if name else None
        if kind == "parenthesized_expression":
            return self.type_of(node.child_by_field_name("expression"))
        if kind == "scope_access":
            scope = node.child_by_field_name("scope")
            field = node.child_by_field_name("field")
            if scope is not None and field is not None:
                return ("member", ("type", self.text(scope)), self.text(field))
        return None

    def types(self, node: Node | None) -> None:
        """Names in a type as written (`Foo`, `Foo:`, `Foo[]`)."""
        if node is None:
            return
        if node.type == "identifier":
            if self.text(node) not in _BUILTIN_TAGS:
                self.ref(node, k.TYPE)
            return
        for child in node.named_children:
            if child.type in ("type", "old_type", "array_type", "multi_tag", "identifier"):
                self.types(child)
            elif child.type == "fixed_dimension":
                self.walk(child)


_STATEMENTS = frozenset(
    {
        "block",
        "variable_declaration_statement",
        "old_variable_declaration_statement",
        "for_statement",
        "expression_statement",
        "condition_statement",
        "while_statement",
        "do_while_statement",
        "switch_statement",
        "switch_case",
        "return_statement",
        "delete_statement",
        "break_statement",
        "continue_statement",
        "preproc_define",
        "preproc_macro",
        "preproc_if",
        "preproc_elseif",
        "preproc_undefine",
    }
)


def _first(ref: Ref) -> int:
    return ref.first


def _declarators(node: Node) -> list[Node]:
    return [d for d in node.named_children if d.type == "old_variable_declaration"]


def _undeclared(node: Node) -> bool:
    """An old-style global with neither `new`/`decl`/... nor a tag: what the grammar makes of
    the second line of `Handle` ⏎ `g_h = null;`, or of a macro used alone (`FOO`)."""
    return (
        node.type == "old_global_variable_declaration"
        and not any(c.type in _OLD_DECLARERS for c in node.children)
        and not any(d.child_by_field_name("type") for d in _declarators(node))
    )


def is_bare_name(node: Node) -> bool:
    """A name alone on its line at the top level, without `;` (`Handle`, `static ConVar`, or a
    macro used alone): with an undeclared declaration after it, that declaration's type."""
    if node.type != "old_global_variable_declaration" or any(c.type == ";" for c in node.children):
        return False
    declarators = _declarators(node)
    return len(declarators) == 1 and declarators[0].named_child_count == 1


def _next_item(node: Node) -> Node | None:
    sibling = node.next_named_sibling
    while sibling is not None and sibling.type == "comment":
        sibling = sibling.next_named_sibling
    return sibling


def _previous_item(node: Node) -> Node | None:
    sibling = node.prev_named_sibling
    while sibling is not None and sibling.type == "comment":
        sibling = sibling.prev_named_sibling
    return sibling


def _type_name(node: Node | None, source: bytes) -> str:
    """`Foo` of `Foo`, `Foo:`, `Foo[]`, `const Foo`; '' for none."""
    if node is None:
        return ""
    if node.type == "identifier":
        return source[node.start_byte : node.end_byte].decode("utf-8", "replace")
    for child in node.named_children:
        if child.type in ("identifier", "builtin_type", "old_builtin_type", "any_type"):
            return source[child.start_byte : child.end_byte].decode("utf-8", "replace")
        if child.type in ("type", "old_type", "array_type"):
            return _type_name(child, source)
    text = source[node.start_byte : node.end_byte].decode("utf-8", "replace")
    return text.strip().rstrip(":").strip()


def _dims(node: Node) -> int:
    """How many array dimensions a declarator or parameter has (`x[4][8]`, `char[] s`)."""
    count = 0
    for child in node.children:
        if child.type in ("dimension", "fixed_dimension"):
            count += 1
        elif child.type == "array_type":
            count += sum(1 for c in child.children if c.type in ("dimension", "fixed_dimension"))
    return count


def _is_static(node: Node) -> bool:
    name = node.child_by_field_name("name")
    limit = name.start_byte if name is not None else node.end_byte
    return any(c.type == "static" for c in node.children if c.end_byte <= limit)


def _body_start(node: Node) -> int:
    body = node.child_by_field_name("body")
    return body.start_byte if body is not None else node.end_byte


def _local_signature(type_text: str, name: str, dims: int) -> str:
    type_text = type_text.strip()
    if type_text.endswith(":"):  # old syntax: Float:x
        return f"{type_text}{name}{'[]' * dims}"
    return f"{type_text} {name}{'[]' * dims}".strip()


def _define_line(node: Node, source: bytes) -> str:
    text = source[node.start_byte : node.end_byte].decode("utf-8", "replace")
    return text.rstrip("\r\n").rstrip()


def _blank_strings_and_params(text: bytes) -> bytes:
    """Macro text with string/char literals and %1 parameters blanked (same length)."""
    out = bytearray(text)
    i, n = 0, len(out)
    while i < n:
        ch = out[i]
        if ch in (0x22, 0x27):
            j = i + 1
            while j < n and out[j] != ch:
                j += 2 if out[j] == 0x5C else 1
            for x in range(i, min(j + 1, n)):
                out[x] = 0x20
            i = j + 1
        elif ch == 0x25:  # %1
            out[i] = 0x20
            i += 1
            while i < n and chr(out[i]).isdigit():
                out[i] = 0x20
                i += 1
        else:
            i += 1
    return bytes(out)


def _deprecation(node: Node, source: bytes, doc: str) -> str:
    """`#pragma deprecated <text>` right above a declaration (comments may sit between), or the
    doc comment's @deprecated tag."""
    above = node.prev_named_sibling
    row = node.start_point.row
    while above is not None and above.end_point.row >= row - 2:
        if above.type == "preproc_pragma":
            text = source[above.start_byte : above.end_byte].decode("utf-8", "replace").split(None, 2)
            if len(text) >= 2 and text[1] == "deprecated":
                return (text[2] if len(text) > 2 else "").strip()
        elif above.type != "comment":
            break
        row = above.start_point.row
        above = above.prev_named_sibling
    for line in doc.splitlines():
        if line.startswith("@deprecated"):
            return line.removeprefix("@deprecated").strip() or "deprecated"
    return ""


__all__ = [
    "FileIndex",
    "FileSummary",
    "IncludeDirective",
    "ItemIndex",
    "bind",
    "bind_function",
    "item_cache",
    "visible_locals",
]
