"""What a rule sees while it checks one file: the source, tree, file model, knowledge and config."""

from __future__ import annotations

import logging
import os
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from spcopilot.diagnostics import semantics
from spcopilot.diagnostics.budget import Budget
from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.game import GameInfo, detect_game
from spcopilot.diagnostics.include_symbols import Symbol
from spcopilot.diagnostics.knowledge.apis import SOURCEMOD_INCLUDES
from spcopilot.diagnostics.knowledge.events import EventCatalogue, builtin_l4d2
from spcopilot.diagnostics.lazy import cached_property
from spcopilot.diagnostics.semantic.binder import bind_function, visible_locals
from spcopilot.diagnostics.text import LineIndex
from tree_sitter import Node, Tree

T = TypeVar("T")
log = logging.getLogger(__name__)
_STRICT = os.environ.get("SPCOPILOT_STRICT") == "1"  # tests: a failure fails loudly

# Called whenever a lint starts: caches that hold nodes of the last lint's tree (and so the whole
# tree) empty themselves here, so a closed document's tree is never kept alive by a cache.
LINT_STARTS: list[Callable[[], None]] = []


class SymbolScope(Protocol):
    """What the include index tells the engine about one file's includes."""

    def defines(self, name: str) -> bool: ...

    def declarations(self, name: str) -> list[Symbol]:
        """The includes' declarations of a name (natives, forwards, function types...)."""
        ...

    @property
    def unresolved(self) -> list[str]: ...


class EmptyScope:
    """No include folders known: every include is unresolved."""

    def __init__(self, includes: list[str]) -> None:
        self._unresolved = includes

    def defines(self, name: str) -> bool:
        return False

    def declarations(self, name: str) -> list[Symbol]:
        return []

    @property
    def unresolved(self) -> list[str]:
        return self._unresolved

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EmptyScope) and other._unresolved == self._unresolved

    __hash__ = None  # type: ignore[assignment]


@dataclass
class Context:
    source: bytes
    tree: Tree
    path: str = ""
    config: Config = field(default_factory=Config)
    events: EventCatalogue | None = None
    # What the file's includes define: a scope, or a function of the file model that makes one
    # (so the model is built once).
    scope: SymbolScope | Callable[[semantics.FileModel], SymbolScope] | None = None
    budget: Budget | None = None  # checked before each rule call (engine.run_rule)

    def __post_init__(self) -> None:
        for forget in LINT_STARTS:
            forget()

    @cached_property
    def lines(self) -> LineIndex:
        return LineIndex(self.source)

    @cached_property
    def model(self) -> semantics.FileModel:
        return semantics.build_model(self.tree, self.source)

    @cached_property
    def game(self) -> GameInfo:
        if self.config.game != "auto":
            return GameInfo(self.config.game, 1.0, ("set in the configuration",))
        return detect_game(self.model)

    @cached_property
    def event_catalogue(self) -> EventCatalogue:
        return self.events or builtin_l4d2()

    @cached_property
    def symbols(self) -> SymbolScope:
        if callable(self.scope):
            try:
                return self.scope(self.model)
            except Exception:
                # A failing include index must not cost every rule that asks about names their
                # findings: the includes count as unread (rules then say "unless <x> defines it").
                if _STRICT:
                    raise
                log.exception("reading the includes of %s failed; they count as unread", self.path or "<text>")
        elif self.scope is not None:
            return self.scope
        return EmptyScope([i.name for i in self.model.includes])

    def contains(self, needle: bytes) -> bool:
        """Does the file's text contain `needle` anywhere? (Rules ask this instead of searching
        `ctx.source` themselves so that the incremental engine sees the dependency.)"""
        return needle in self.source

    def uses_whole_file(self) -> None:
        """The current check read the file beyond its own top-level item in a way the engine
        cannot follow (bytes after a literal, ...): its findings there are recomputed on every
        lint instead of being reused. A no-op for a plain lint."""

    def memo(self, key: object, compute: Callable[[], T]) -> T:
        """A value several rules derive from the same node, computed once per lint."""
        cache = self.__dict__.setdefault("_memo", {})
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    # -- helpers -----------------------------------------------------------------------------
    def text(self, node: Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def string_value(self, node: Node | None) -> str | None:
        return semantics.string_value(node, self.source)

    def args(self, call: Node) -> list[Node]:
        """The argument nodes of a call_expression (or its call_arguments)."""
        args = call if call.type == "call_arguments" else call.child_by_field_name("arguments")
        return semantics.call_arguments(args) if args is not None else []

    def callee(self, call: Node) -> str:
        """`Foo` for Foo(...), `GetInt` for event.GetInt(...)."""
        fn = call.child_by_field_name("function")
        if fn is None:
            return ""
        if fn.type == "field_access":
            fn = fn.child_by_field_name("field") or fn
        return self.text(fn)

    def enclosing_function(self, node: Node) -> Node | None:
        """The function or method around `node` (semantics.enclosing_function), starting from the
        top-level item that holds it (found by bisection)."""
        starts, items = self.memo("top-level items", self._top_level_items)
        i = bisect_right(starts, node.start_byte) - 1
        if i < 0 or items[i].end_byte < node.end_byte:
            return semantics.enclosing_function(node, self.tree.root_node)
        return semantics.enclosing_function(node, items[i])

    def _top_level_items(self) -> tuple[list[int], list[Node]]:
        items = self.tree.root_node.children
        return [n.start_byte for n in items], items

    def function_name(self, function: Node) -> str:
        return semantics.function_name(function, self.source)

    def parameters(self, function: Node) -> list[tuple[str, Node]]:
        return semantics.parameters(function, self.source)

    def local_declaration(self, function: Node, name: str, at: int) -> Node | None:
        """The parameter or local declaration `name` stands for at byte `at` inside `function`
        (innermost scope first, as the semantic model binds it): a parameter_declaration or a
        variable declarator; None when the name is not local there."""
        scope = self.memo(("function scope", function.id), lambda: bind_function(function, self.source))
        found = visible_locals(scope.locals, at, name).get(name)
        if found is None:
            return None
        node = function.descendant_for_byte_range(found.start, found.end)
        return node.parent if node is not None else None

    def local_declarations(self, function: Node) -> list[tuple[str, Node]]:
        """The parameters, then the locals, of a function in order: (name, declaration node)."""
        scope = self.memo(("function scope", function.id), lambda: bind_function(function, self.source))
        out = []
        for d in sorted(scope.locals, key=lambda d: (d.kind != "parameter", d.start)):
            node = function.descendant_for_byte_range(d.start, d.end)
            if node is not None and node.parent is not None:
                out.append((d.name, node.parent))
        return out

    def is_defined(self, name: str) -> bool:
        """Defined in this file or in an include we could resolve."""
        return self.model.is_defined(name) or self.symbols.defines(name)

    def unknown_includes(self) -> list[str]:
        """Includes we could not read that are not part of SourceMod itself."""
        return [
            name
            for name in self.symbols.unresolved
            if name.rsplit("/", 1)[-1].removesuffix(".inc") not in SOURCEMOD_INCLUDES
        ]
