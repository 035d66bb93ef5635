from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.matching import query_matches
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Match, Rule
from spcopilot.diagnostics.rules.props.entity_kind import looks_like_client
from tree_sitter import Node

_INDEXED = "(array_indexed_access array: (identifier) @array index: (_) @index)"


class MaxplayersArray(Rule):
    code = "SPC603"
    name = "maxplayers-array"
    severity = Severity.WARNING
    item_local = True
    summary = "A per-client array declared [MAXPLAYERS] instead of [MAXPLAYERS + 1]"
    fixable = True
    docs = """
## What it does
Flags array declarations whose first dimension is exactly `MAXPLAYERS`: every global one
(`bool g_bGod[MAXPLAYERS];`, `new Handle:g_hTimer[MAXPLAYERS];`), and a local one when the
function indexes it with a client (`client`, a `1..MaxClients` loop variable, ...). A local
list filled from 0 (`int target_list[MAXPLAYERS]` for `ProcessTargetString`) and the
`int clients[MAXPLAYERS]` parameter of sound hooks are correct and not flagged.

## Why is this bad?
Client indexes run from 1 to `MaxClients`, and `MaxClients` can be as large as `MAXPLAYERS`
(a full server). An array of `MAXPLAYERS` entries has indexes 0..MAXPLAYERS-1, so the last
client's slot is out of bounds: "Array index out of bounds" on a full server only, the kind
of error that never shows in testing.

## Example
```sourcepawn
bool g_bGod[MAXPLAYERS];
```

## Use instead
```sourcepawn
bool g_bGod[MAXPLAYERS + 1];
```
"""
    query = """
((variable_declaration name: (identifier) @name . (fixed_dimension (identifier) @dim)) @declaration
 (#eq? @dim "MAXPLAYERS"))
((old_variable_declaration name: (identifier) @name . (fixed_dimension (identifier) @dim)) @declaration
 (#eq? @dim "MAXPLAYERS"))
"""

    def check(self, match: Match, ctx: Context) -> Iterator[Diagnostic]:
        name_node, dim, declaration = match["name"][0], match["dim"][0], match["declaration"][0]
        name = ctx.text(name_node)
        parent = declaration.parent
        if parent is None or parent.type not in (
            "global_variable_declaration",
            "old_global_variable_declaration",
            "variable_declaration_statement",
            "old_variable_declaration_statement",
        ):
            return
        is_global = parent.type.endswith("global_variable_declaration")
        if not is_global and not _indexed_by_client(name, declaration, ctx):
            return
        message = (
            f"`{name}` has MAXPLAYERS slots (0..MAXPLAYERS-1), but client indexes go up to "
            "MaxClients, which can equal MAXPLAYERS; declare it [MAXPLAYERS + 1]"
        )
        fix = self.fix(ctx, "Declare it [MAXPLAYERS + 1]", (dim.start_byte, dim.end_byte, "MAXPLAYERS + 1"))
        yield self.diagnostic(ctx, dim, message, fix=fix)


def _indexed_by_client(name: str, declaration: Node, ctx: Context) -> bool:
    """The function around a local array indexes it with something that looks like a client."""
    function = ctx.enclosing_function(declaration)
    if function is None:
        return False
    for _, caps in query_matches(_INDEXED, function):
        if ctx.text(caps["array"][0]) == name and looks_like_client(caps["index"][0], ctx):
            return True
    return False
