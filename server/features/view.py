"""What the features see of one document: its text and tree, and the knowledge around it
(the include scope, the event catalogue, the game). Plain data, no LSP; built by the project
for a document version and cached with it, so each request pays only for what it reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from spcopilot.diagnostics.config import Config

# Events L4D2 added are hidden when a file is for L4D1 (the pattern is game detection's own).
from spcopilot.diagnostics.game import GameInfo, detect_game, is_l4d2_only_event
from spcopilot.diagnostics.include_index import IncludeIndex, Scope
from spcopilot.diagnostics.include_symbols import Symbol, symbols_of_source
from spcopilot.diagnostics.knowledge.events import EventCatalogue, builtin_l4d2
from spcopilot.diagnostics.lazy import cached_property
from spcopilot.diagnostics.model import Diagnostic
from spcopilot.diagnostics.semantic import Decl, SemanticModel, Workspace
from spcopilot.diagnostics.semantics import FileModel, build_model, enclosing_function, function_name
from spcopilot.diagnostics.text import LineIndex
from tree_sitter import Node, Tree


@dataclass
class DocumentView:
    source: bytes
    tree: Tree | None
    path: str = ""
    config: Config = field(default_factory=Config)
    lines: LineIndex | None = None
    scope_of: Callable[[FileModel], Scope | None] | None = None
    events: EventCatalogue | None = None  # the user's game files; None: the built-in catalogue
    diagnostics: list[Diagnostic] = field(default_factory=list)  # the latest lint of this text
    # The semantic model's workspace (the project's); a view of its own when None.
    workspace: Workspace | None = None
    version: int | None = None  # the document version it is of

    def __post_init__(self) -> None:
        if self.lines is None:
            self.lines = LineIndex(self.source)

    @property
    def analysed(self) -> bool:
        return self.tree is not None

    @cached_property
    def model(self) -> FileModel:
        assert self.tree is not None
        return build_model(self.tree, self.source)

    @cached_property
    def semantic(self) -> SemanticModel:
        """This text's declarations and references, resolved against its plugin and includes."""
        assert self.tree is not None
        workspace = self.workspace
        if workspace is None:
            workspace = self.workspace = Workspace(lambda path: IncludeIndex([]))
        workspace.update(self.key, self.source, self.tree, self.version)
        model = workspace.model(self.key)
        assert model is not None
        return model

    @property
    def key(self) -> str:
        """The path the workspace knows this document by."""
        return self.path or "<document>"

    @cached_property
    def own_symbols(self) -> list[Symbol]:
        """What this document declares (outline, definitions, hover)."""
        return symbols_of_source(self.source, self.path, self.tree) if self.tree is not None else []

    @cached_property
    def scope(self) -> Scope | None:
        """What the document's includes declare (None without an include index)."""
        if self.scope_of is None or self.tree is None:
            return None
        return self.scope_of(self.model)

    @cached_property
    def game(self) -> GameInfo:
        if self.config.game != "auto":
            return GameInfo(self.config.game, 1.0, ("set in the configuration",))
        return detect_game(self.model)

    @property
    def catalogue(self) -> EventCatalogue:
        return self.events or builtin_l4d2()

    def event_names(self) -> list[str]:
        """The event names that fit the file's game."""
        catalogue = self.catalogue
        game = self.game.game
        if catalogue.game == game or game == "generic":
            return catalogue.names()
        if game == "l4d1" and catalogue.game == "l4d2":
            return [n for n in catalogue.names() if not is_l4d2_only_event(n)]
        return []

    # -- symbols --------------------------------------------------------------------------------
    def lookup(self, name: str) -> list[Decl] | list[Symbol]:
        """Declarations of a global name: the document's own first, then its plugin's and its
        includes'. Read from the semantic model; when it is not built (inline completion reads
        the latest view off the analysis threads, and must neither wait for a bind nor touch
        the workspace), from what the include index and the document's declarations say."""
        if self.tree is None:
            return []
        if "semantic" in self.__dict__:
            return self.semantic.program.lookup(name)
        own = [s for s in self.own_symbols if s.name == name and not s.is_member]
        scope = self.scope
        return own + ([s for s in scope.symbols.get(name, ()) if not s.is_member] if scope is not None else [])

    def members(self, type_name: str) -> list[Decl]:
        if self.tree is None or not type_name:
            return []
        return self.semantic.program.members(type_name)

    def is_type(self, name: str) -> bool:
        return self.tree is not None and self.semantic.program.type_decl(name) is not None

    # -- places ---------------------------------------------------------------------------------
    def node_at(self, offset: int) -> Node | None:
        if self.tree is None:
            return None
        return self.tree.root_node.descendant_for_byte_range(offset, offset)

    def function_at(self, offset: int) -> tuple[str, Node] | None:
        """The function definition (or method) enclosing an offset, with its name."""
        node = self.node_at(offset)
        if node is None or self.tree is None:
            return None
        # From the root down (a walk up the parents costs depth²: seconds in 16,000 open `(`).
        function = node if node.type == "function_definition" else enclosing_function(node, self.tree.root_node)
        if function is None:
            return None
        return function_name(function, self.source), function
