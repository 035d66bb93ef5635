"""What a rule is. One rule per module under `rules/<family>/`, ruff-style:

```python
class NonexistentNative(Rule):
    code = "SPC101"
    name = "nonexistent-native"
    severity = Severity.ERROR
    summary = "Call to a function SourceMod does not have"
    docs = '''(markdown with the sections: What it does / Why is this bad? / Example / Use instead)'''
    query = '''((call_expression function: (identifier) @fn) @call (#any-of? @fn "RandomFloat"))'''

    def check(self, match, ctx):
        yield self.diagnostic(ctx, match["fn"][0], "...", fix=...)
```

The engine compiles one tree-sitter query per set of active rules, once: the file model's
patterns, ONE pattern for every call whose callee some rule subscribes to (`calls`), and the
rules' structural `query` patterns (identical patterns shared). It runs it over the tree in a
single pass, builds the file model, then hands each rule its calls (`check_call`) and its
matches (`check`, a dict of capture name -> nodes). Text scans report in `scan_text`, whole-file
checks in `finish`.

Incremental analysis (diagnostics/incremental.py): in the editor, a rule declared `item_local`
is only re-run on the top-level items (functions, globals, directives) whose text changed, or
whose file facts it read changed; its other findings are reused. See `item_local` for the
contract; rules that are not item-local are re-run on the whole file after every edit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, ClassVar

from spcopilot.diagnostics.fixes import with_line_ending
from spcopilot.diagnostics.model import Applicability, Diagnostic, Edit, Fix, Severity, Tag

if TYPE_CHECKING:
    from spcopilot.diagnostics.context import Context
    from tree_sitter import Node

Match = dict[str, list["Node"]]

FAMILIES = {
    "1": "api",
    "2": "events",
    "3": "entity-props",
    "4": "timers-handles",
    "5": "security",
    "6": "buffers",
    "7": "style",
    "8": "linter",
}
ALL_GAMES = frozenset({"l4d2", "l4d1", "csgo", "tf2", "generic"})
L4D_GAMES = frozenset({"l4d2", "l4d1"})
# For rules whose trigger is itself L4D-specific (an L4D event or netprop name): they also run
# on files with no game signal, which is what a fresh plugin or a model's answer looks like.
L4D_OR_GENERIC = frozenset({"l4d2", "l4d1", "generic"})


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    docs: ClassVar[str]
    # Callee names (plain `Foo(...)` or method `x.Foo(...)`) whose calls go to `check_call`.
    # Prefer this to a call_expression `query`: the engine matches every subscribed call with
    # one shared pattern, while each extra query pattern costs a little on every file.
    calls: ClassVar[frozenset[str]] = frozenset()
    # Patterns rooted at a call_expression, for rules that want a call's structure as captures
    # (`arguments: (call_arguments . (_) . (identifier) @callback)`): they run only on the calls
    # to `calls` that the shared pattern found, anchored at that call; matches go to `check`.
    call_query: ClassVar[str] = ""
    # Structural patterns (declarations, loops, ...) whose matches go to `check`.
    query: ClassVar[str] = ""
    # The games the rule applies to (from game detection or the `game` setting).
    games: ClassVar[frozenset[str]] = ALL_GAMES
    # Whether the rule also reads config files (databases.cfg, server.cfg, .ini) as plain text,
    # through `check_config`; those files get no other rule.
    reads_configs: ClassVar[bool] = False
    # The incremental engine may reuse this rule's findings for a top-level item whose text (with
    # the rest of its first and last lines) did not change. True promises that `check_call`,
    # `check` and `scan_text`, for a match inside one item, read:
    #   - the nodes and lines of that item;
    #   - file-level facts only through the Context: `ctx.model` (its containers and methods),
    #     `ctx.game`, `ctx.is_defined`, `ctx.unknown_includes`, `ctx.contains` - the engine
    #     records what was asked and re-checks the item when an answer changes;
    #   - other items only through nodes the model hands out (a callback's function, a hook's
    #     call), which the same record covers; never a walk from `ctx.tree` or a search of
    #     `ctx.source` outside the item (call `ctx.uses_whole_file()` when that is unavoidable);
    #   - no state kept on the rule between matches (`finish` still runs on the whole file).
    # Findings that land outside the item, or messages with line numbers of other items, are
    # detected by the engine and recomputed every time. False (the default) re-runs the rule
    # on every match of the file after each edit: correct, and slower.
    item_local: ClassVar[bool] = False
    # Whether the rule offers fixes (shown in `spcopilot rules`).
    fixable: ClassVar[bool] = False
    tags: ClassVar[tuple[Tag, ...]] = ()

    @property
    def family(self) -> str:
        return FAMILIES[self.code[3]]

    def check_call(self, call: Node, callee: str, ctx: Context) -> Iterable[Diagnostic]:
        return ()

    def check(self, match: Match, ctx: Context) -> Iterable[Diagnostic]:
        return ()

    def scan_text(self, ctx: Context, start: int, end: int) -> Iterable[Diagnostic]:
        """Findings from the raw text whose anchors start in [start, end): the whole file in a
        plain lint, one top-level item (the rest of its last line readable) in the editor."""
        return ()

    def finish(self, ctx: Context) -> Iterable[Diagnostic]:
        return ()

    def check_config(self, ctx: Context) -> Iterable[Diagnostic]:
        """A config file's findings (`ctx.source` is its text; there is no SourcePawn tree)."""
        return ()

    # -- helpers for rule code -------------------------------------------------------------
    def diagnostic(
        self,
        ctx: Context,
        node: Node | tuple[int, int],
        message: str,
        fix: Fix | None = None,
        severity: Severity | None = None,
    ) -> Diagnostic:
        start, end = (node.start_byte, node.end_byte) if not isinstance(node, tuple) else node
        return Diagnostic(
            code=self.code,
            rule=self.name,
            severity=severity or self.severity,
            message=message,
            start_byte=start,
            end_byte=end,
            range=ctx.lines.range(start, end),
            fix=fix,
            tags=self.tags,
            path=ctx.path,
        )

    def fix(self, ctx: Context, title: str, *edits: tuple[int, int, str], safe: bool = True) -> Fix:
        """A fix from (start_byte, end_byte, new_text) triples. Rules write new lines as `\\n`;
        here they take the line ending of the line the edit starts on (fixes.with_line_ending)."""
        return Fix(
            title=title,
            edits=tuple(Edit(s, e, with_line_ending(t, ctx.source, s), ctx.lines.range(s, e)) for s, e, t in edits),
            applicability=Applicability.SAFE if safe else Applicability.UNSAFE,
        )


def doc_sections(rule: type[Rule] | Rule) -> dict[str, str]:
    """The docs split at their `## ` headings."""
    sections: dict[str, str] = {}
    current = None
    for line in rule.docs.strip().splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            sections[current] = ""
        elif current is not None:
            sections[current] += line + "\n"
    return {k: v.strip() for k, v in sections.items()}


REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")


def iter_nodes(match: Match, name: str) -> Iterator[Node]:
    yield from match.get(name, ())
