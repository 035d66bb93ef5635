"""What the semantic model is made of: declarations (`Decl`) with the exact bytes of their
names, and references (`Ref`): every identifier of a file, with the role it plays there.

Plain data, no tree: a file's declarations and references outlive the tree they were read
from (the workspace index keeps them for files that are not open)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

# -- declaration kinds ----------------------------------------------------------------------------
FUNCTION = "function"  # a function with a body (plain, public or static)
STOCK = "stock"
NATIVE = "native"
FORWARD = "forward"
GLOBAL = "global"  # a global variable (new and old syntax, `public Plugin myinfo`)
LOCAL = "local"
PARAMETER = "parameter"
DEFINE = "define"  # #define NAME value
MACRO = "macro"  # #define NAME(%1) ...
ENUM = "enum"
ENUM_MEMBER = "enum_member"
ENUM_STRUCT = "enum_struct"
FIELD = "field"  # of an enum struct or an old struct
METHOD = "method"  # of a methodmap (native or with a body) or an enum struct
CONSTRUCTOR = "constructor"
DESTRUCTOR = "destructor"
PROPERTY = "property"
GETTER = "getter"
SETTER = "setter"
METHODMAP = "methodmap"
TYPEDEF = "typedef"
TYPESET = "typeset"
FUNCENUM = "funcenum"
FUNCTAG = "functag"
STRUCT = "struct"

CALLABLE_KINDS = frozenset({FUNCTION, STOCK, NATIVE, FORWARD, METHOD, CONSTRUCTOR, MACRO})
TYPE_KINDS = frozenset({METHODMAP, ENUM, ENUM_STRUCT, TYPEDEF, TYPESET, FUNCENUM, FUNCTAG, STRUCT})
FUNCTION_TYPE_KINDS = frozenset({TYPEDEF, TYPESET, FUNCENUM, FUNCTAG})
# Reached through a type (`list.Push`, `Foo::bar`), never by name alone.
MEMBER_KINDS = frozenset({FIELD, METHOD, CONSTRUCTOR, DESTRUCTOR, PROPERTY, GETTER, SETTER})
SCOPED_KINDS = frozenset({LOCAL, PARAMETER})
MACRO_KINDS = frozenset({DEFINE, MACRO})

# -- reference roles ------------------------------------------------------------------------------
DECLARATION = "declaration"  # the name of a declaration (`int foo;`): its target is that declaration
NAME = "name"  # a plain name in an expression: a local, a parameter, a global, a function...
TYPE = "type"  # a name where a type is written (`Foo x`, `view_as<Foo>`, `methodmap A < Foo`)
MEMBER = "member"  # `x.foo`, `Foo::foo`: a member of the receiver's type
NEW = "new"  # `new Foo(...)`: the constructor of Foo (or Foo itself)
NAMED_ARG = "named_arg"  # `.foo = 1` in a call: a parameter of the callee
FIELD_INIT = "field_init"  # `name = "x"` in `public Plugin myinfo = {...}`: a field of the struct
PREPROC = "preproc"  # `#if defined FOO`, `#undef FOO`: a macro
THIS = "this"  # `this`: the methodmap or enum struct around it
MACRO_TEXT = "macro_text"  # a name in a #define's text: a global where the macro is used (or a local there)

# A type as the binder could write it down without looking outside the file; evaluated against
# the file's scope when asked (semantic/types.py):
#   ("type", "Foo")              the type Foo
#   ("name", "x")                whatever the global name x is (a variable's type, or a type itself)
#   ("call", "F")                the return type of the function F (or F, for a methodmap's constructor call)
#   ("member", inner, "m")       the type of member m of inner's type (field, property, method's return)
TypeExpr: TypeAlias = "tuple[str, str] | tuple[str, TypeExpr, str]"


class Anchor:
    """Where a top-level item's declarations and references moved since they were read: an
    edit elsewhere in the document moves an unchanged item (semantic/items.py) without
    reading it again; everything in it reports its position through its item's anchor."""

    __slots__ = ("bytes", "lines")

    def __init__(self) -> None:
        self.bytes = 0
        self.lines = 0


FIXED = Anchor()  # for what never moves (files read from disk); never changed


@dataclass(eq=False, slots=True)
class Decl:
    name: str
    kind: str
    path: str
    first: int  # the name's bytes when the item was read (see `start`)
    last: int
    row: int  # the name's line when read (see `line`) and its byte column (0-based)
    column: int
    span_read: tuple[int, int]  # the whole declaration's bytes when read
    parent: str = ""  # the type a member belongs to (members, enum members); for locals/parameters the function
    type: str = ""  # declared type (variables, parameters, fields, properties), return type (callables)
    signature: str = ""  # as written, whitespace-normalised, without the body
    doc: str = ""
    params: tuple[str, ...] = ()  # parameters as written (callables and function types)
    param_decls: tuple[Decl, ...] = ()
    inherits: str = ""  # methodmap X < inherits
    deprecated: str = ""  # `#pragma deprecated` text or @deprecated tag
    scope_read: tuple[int, int] | None = None  # where a local or parameter can be named (when read)
    static: bool = False  # a static method or property of a methodmap
    dims: int = 0  # array dimensions of a variable
    value: str = ""  # what a #define expands to, an enum member's value
    # A function type's signatures (typedef, functag: one; typeset, funcenum: each member):
    # (return type, parameters as written).
    variants: tuple[tuple[str, tuple[str, ...]], ...] = ()
    anchor: Anchor = FIXED

    @property
    def start(self) -> int:
        return self.first + self.anchor.bytes

    @property
    def end(self) -> int:
        return self.last + self.anchor.bytes

    @property
    def line(self) -> int:
        return self.row + self.anchor.lines

    @property
    def span(self) -> tuple[int, int]:
        moved = self.anchor.bytes
        return (self.span_read[0] + moved, self.span_read[1] + moved)

    @property
    def scope(self) -> tuple[int, int] | None:
        if self.scope_read is None:
            return None
        moved = self.anchor.bytes
        return (self.scope_read[0] + moved, self.scope_read[1] + moved)

    @property
    def return_type(self) -> str:
        return self.type

    @property
    def is_member(self) -> bool:
        return self.kind in MEMBER_KINDS

    @property
    def is_type(self) -> bool:
        return self.kind in TYPE_KINDS

    @property
    def key(self) -> tuple[str, int]:
        """Identity across lookups: where its name is."""
        return (self.path, self.start)

    def __repr__(self) -> str:
        where = f"{self.parent}." if self.parent and self.kind not in SCOPED_KINDS else ""
        return f"<{self.kind} {where}{self.name} {self.path}:{self.line}:{self.column}>"


class Ref:
    """One identifier: where it is, what it names and how (its role)."""

    __slots__ = ("anchor", "first", "last", "name", "receiver", "role", "target")

    def __init__(
        self,
        first: int,
        last: int,
        name: str,
        role: str,
        target: Decl | None = None,
        receiver: TypeExpr | None = None,
        anchor: Anchor = FIXED,
    ) -> None:
        self.first = first
        self.last = last
        self.name = name
        self.role = role
        self.target = target  # known in the file: the declaration itself, a local, a parameter
        # MEMBER: the receiver's type. NAMED_ARG: the callee, in the same shapes read as "which
        # declaration": ("name", f) for f(...), ("member", receiver, m) for x.m(...), ("type", T) for new T(...).
        self.receiver = receiver
        self.anchor = anchor

    @property
    def start(self) -> int:
        return self.first + self.anchor.bytes

    @property
    def end(self) -> int:
        return self.last + self.anchor.bytes

    def __repr__(self) -> str:
        return f"<{self.role} {self.name}@{self.start}>"
