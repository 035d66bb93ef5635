"""The global scope of a program and name resolution against it.

A `Program` is what one file can name outside its functions: its own declarations first, then
those of the other files of its plugin (part files), then those of its includes - each a
`Layer`. `SemanticModel` is one file's references resolved against its program: innermost
scope first (the binder already bound locals and parameters), then the layers in order;
members through the receiver's type, inherited members too.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence

from spcopilot.diagnostics.semantic import symbols as k
from spcopilot.diagnostics.semantic.binder import FileIndex, visible_locals
from spcopilot.diagnostics.semantic.symbols import Decl, Ref, TypeExpr

_NOT_BY_NAME = k.MEMBER_KINDS | {k.GETTER, k.SETTER}
_MAX_INHERITANCE = 32


class Layer:
    """Declarations of some files, by name (globals, types, macros) and by type (members)."""

    __slots__ = ("by_name", "members")

    def __init__(self, decls: Iterable[Decl] = ()) -> None:
        self.by_name: dict[str, list[Decl]] = {}
        self.members: dict[str, list[Decl]] = {}
        self.add(decls)

    def add(self, decls: Iterable[Decl]) -> None:
        by_name, members = self.by_name, self.members
        for d in decls:
            if d.kind in _NOT_BY_NAME:
                if d.kind not in (k.GETTER, k.SETTER):
                    members.setdefault(d.parent, []).append(d)
            else:
                by_name.setdefault(d.name, []).append(d)
                if d.kind == k.FIELD and d.parent:  # old struct fields
                    members.setdefault(d.parent, []).append(d)


class Program:
    """The layers one file sees, nearest first."""

    __slots__ = ("_keys", "_lookups", "_members", "layers")

    def __init__(self, layers: Sequence[Layer]) -> None:
        self.layers = list(layers)
        # A program lives for one request: what it answered once, it answers again at once.
        self._lookups: dict[tuple[str, str], list[Decl]] = {}
        self._members: dict[str, list[Decl]] = {}
        self._keys: dict[str, frozenset[tuple[str, int]]] = {}

    def resolve(self, name: str, role: str, receiver: TypeExpr | None = None) -> list[Decl]:
        """What a reference that no local scope settles names, by its role: a global name, a
        type, a member of the receiver's type, a constructor, a callee's parameter..."""
        if role in (k.NAME, k.TYPE, k.PREPROC):
            return self.lookup(name, role)
        if role == k.MACRO_TEXT:
            return self.lookup(name)
        if role in (k.MEMBER, k.FIELD_INIT):
            owner = self.evaluate(receiver)
            m = self.member(owner, name) if owner is not None else None
            return [m] if m is not None else []
        if role == k.NEW:
            ctor = self.constructor(name)
            if ctor is not None:
                return [ctor]
            t = self.type_decl(name)
            return [t] if t is not None else []
        if role == k.NAMED_ARG:
            callee = self.callee(receiver)
            return [p for p in callee.param_decls if p.name == name] if callee is not None else []
        if role == k.THIS:
            t = self.type_decl(name)
            return [t] if t is not None else []
        return []

    def lookup(self, name: str, role: str = k.NAME) -> list[Decl]:
        """Declarations of a global name in the nearest layer that has one. Where a type is
        written, types come first; elsewhere, anything but a type first."""
        key = (name, role)
        found = self._lookups.get(key)
        if found is None:
            found = self._lookups[key] = self._lookup(name, role)
        return found

    def _lookup(self, name: str, role: str) -> list[Decl]:
        fallback: list[Decl] = []
        for layer in self.layers:
            found = layer.by_name.get(name)
            if not found:
                continue
            if role == k.PREPROC:
                macros = [d for d in found if d.kind in k.MACRO_KINDS]
                if macros:
                    return macros
                continue
            wanted = [d for d in found if (d.kind in k.TYPE_KINDS) == (role == k.TYPE)]
            if wanted:
                return wanted
            fallback = fallback or found
        return fallback

    def all_named(self, name: str) -> list[Decl]:
        """Every declaration of a global name, in every layer (prototypes and definitions)."""
        return [d for layer in self.layers for d in layer.by_name.get(name, ())]

    def sees(self, decl: Decl) -> bool:
        """`decl` is one of the global declarations of its name here (once per name: a name
        declared 20,000 times is not listed again for each of its references)."""
        keys = self._keys.get(decl.name)
        if keys is None:
            keys = self._keys[decl.name] = frozenset(d.key for d in self.all_named(decl.name))
        return decl.key in keys

    def type_decl(self, name: str) -> Decl | None:
        found = self.lookup(name, k.TYPE)
        return found[0] if found and found[0].kind in k.TYPE_KINDS else None

    def own_members(self, type_name: str) -> list[Decl]:
        return [m for layer in self.layers for m in layer.members.get(type_name, ())]

    def members(self, type_name: str) -> list[Decl]:
        """A type's members, then those it inherits (`methodmap X < Y`); a member redefined
        lower down hides the inherited one (constructors are not inherited)."""
        found = self._members.get(type_name)
        if found is None:
            found = self._members[type_name] = self._members_of(type_name)
        return found

    def _members_of(self, type_name: str) -> list[Decl]:
        out: list[Decl] = []
        names: set[str] = set()
        seen: set[str] = set()
        current = type_name
        while current and current not in seen and len(seen) < _MAX_INHERITANCE:
            seen.add(current)
            own = self.own_members(current)
            for m in own:
                if m.name in names:
                    continue
                if m.kind in (k.CONSTRUCTOR, k.DESTRUCTOR) and current != type_name:
                    continue
                out.append(m)
            names |= {m.name for m in own}
            parent = self.type_decl(current)
            current = parent.inherits if parent is not None else ""
        return out

    def member(self, type_name: str, name: str) -> Decl | None:
        for m in self.members(type_name):
            if m.name == name and m.kind not in (k.CONSTRUCTOR, k.DESTRUCTOR):
                return m
        return None

    def constructor(self, type_name: str) -> Decl | None:
        return next((m for m in self.own_members(type_name) if m.kind == k.CONSTRUCTOR), None)

    # -- types of expressions --------------------------------------------------------------
    def evaluate(self, expr: TypeExpr | None, depth: int = 0) -> str | None:
        """The type name a binder's type expression stands for, or None when unknown."""
        if expr is None or depth > 16:
            return None
        shape = expr[0]
        if shape == "type":
            return str(expr[1]) or None
        if shape == "name":
            found = self.lookup(str(expr[1]))
            if not found:
                return None
            d = found[0]
            if d.kind in k.TYPE_KINDS:
                return d.name
            return d.type or None
        if shape == "call":
            found = self.lookup(str(expr[1]))
            if not found:
                return None
            d = found[0]
            return d.name if d.kind == k.METHODMAP else (d.type or None)
        if shape == "member" and len(expr) == 3:
            inner = self.evaluate(expr[1], depth + 1)
            if inner is None:
                return None
            m = self.member(inner, str(expr[2]))
            return (m.type or None) if m is not None else None
        return None

    def callee(self, expr: TypeExpr | None) -> Decl | None:
        """The declaration a call's callee names (`f`, `x.m`, `new T`)."""
        if expr is None:
            return None
        shape = expr[0]
        if shape == "name":
            found = [d for d in self.lookup(str(expr[1])) if d.param_decls or d.kind in k.CALLABLE_KINDS]
            return found[0] if found else None
        if shape == "type":
            return self.constructor(str(expr[1]))
        if shape == "member" and len(expr) == 3:
            receiver = self.evaluate(expr[1])
            return self.member(receiver, str(expr[2])) if receiver else None
        return None


class SemanticModel:
    """One file's references, resolved against its program."""

    __slots__ = ("_starts", "index", "program", "refs")

    def __init__(self, index: FileIndex, program: Program) -> None:
        self.index = index
        self.program = program
        self.refs = index.refs
        self._starts = [r.start for r in self.refs]

    @property
    def path(self) -> str:
        return self.index.path

    def ref_at(self, offset: int) -> Ref | None:
        """The reference whose name covers `offset` (its end included: a cursor right after
        a name is on it)."""
        i = bisect_right(self._starts, offset) - 1
        while i >= 0:
            ref = self.refs[i]
            if ref.start <= offset <= ref.end:
                return ref
            if ref.end < offset:
                break
            i -= 1
        return None

    def resolve(self, ref: Ref) -> list[Decl]:
        """The declarations a reference names (most relevant first; [] when unknown)."""
        if ref.target is not None:
            return [ref.target]
        return self.program.resolve(ref.name, ref.role, ref.receiver)

    def resolve_at(self, offset: int) -> tuple[Ref | None, list[Decl]]:
        ref = self.ref_at(offset)
        return (ref, self.resolve(ref)) if ref is not None else (None, [])

    def locals_at(self, offset: int) -> dict[str, Decl]:
        """Locals and parameters that can be named at `offset` (the innermost of each name)."""
        return visible_locals(self.index.locals, offset)
