from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Match, Rule
from spcopilot.diagnostics.rules.timers.handle_ownership import aliases, released

_MAKERS = (
    "KeyValues",
    "ArrayList",
    "StringMap",
    "DataPack",
    "CreateKeyValues",
    "CreateArray",
    "CreateTrie",
    "CreateDataPack",
)
_ANY_OF = " ".join(f'"{m}"' for m in _MAKERS)


class LocalHandleLeak(Rule):
    code = "SPC405"
    name = "local-handle-leak"
    severity = Severity.WARNING
    item_local = True
    summary = "A local KeyValues/ArrayList/StringMap/DataPack that is never closed"
    docs = """
## What it does
Flags a local variable initialised with `new KeyValues(...)`, `new ArrayList(...)`,
`new StringMap()`, `new DataPack()` (or the old `CreateKeyValues`, `CreateArray`, `CreateTrie`,
`CreateDataPack`) that its function never deletes (`delete`, `CloseHandle`), returns, stores
elsewhere or passes to another function. Calling its own methods (`kv.ImportFromFile(...)`,
`list.Push(...)`) does not count as handing it on. Menus are not checked: they are closed in
`MenuAction_End`.

## Why is this bad?
Handles are not garbage-collected. A function that makes one and drops it leaks a handle on
every call; after enough calls SourceMod reports a handle leak and unloads the plugin.

## Example
```sourcepawn
void LoadSpawns(const char[] path)
{
    KeyValues kv = new KeyValues("spawns");
    if (!kv.ImportFromFile(path))
        return;
    g_iSpawnCount = kv.GetNum("count");
}
```

## Use instead
```sourcepawn
void LoadSpawns(const char[] path)
{
    KeyValues kv = new KeyValues("spawns");
    if (kv.ImportFromFile(path))
        g_iSpawnCount = kv.GetNum("count");
    delete kv;
}
```
"""
    query = f"""
((variable_declaration_statement
   (variable_declaration
     name: (identifier) @name
     initialValue: [(new_expression class: (identifier) @maker) (call_expression function: (identifier) @maker)])) @statement
 (#any-of? @maker {_ANY_OF}))
((old_variable_declaration_statement
   (old_variable_declaration
     name: (identifier) @name
     initialValue: (call_expression function: (identifier) @maker))) @statement
 (#any-of? @maker {_ANY_OF}))
"""

    def check(self, match: Match, ctx: Context) -> Iterator[Diagnostic]:
        statement, node = match["statement"][0], match["name"][0]
        if any(c.type == "visibility" and ctx.text(c) == "static" for c in statement.children):
            return
        function = ctx.enclosing_function(statement)
        if function is None:
            return
        name = ctx.text(node)
        if released(function, aliases(function, name, ctx.source), ctx.source):
            return
        maker = ctx.text(match["maker"][0])
        made = f"new {maker}" if not maker.startswith("Create") else maker
        close = f"delete {name};" if statement.type == "variable_declaration_statement" else f"CloseHandle({name});"
        message = (
            f"`{name}` ({made}) is never deleted, returned or handed on in `{ctx.function_name(function)}`: "
            f"its handle leaks on every call; add `{close}` when you are done with it"
        )
        yield self.diagnostic(ctx, node, message)
