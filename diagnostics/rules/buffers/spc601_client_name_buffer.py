from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Rule
from spcopilot.diagnostics.rules.buffers.declarations import find_declaration, size_expression
from tree_sitter import Node

MAX_NAME_LENGTH = 128
# Below the old MAX_NAME_LENGTH (32) a short buffer is a deliberate cut (a name prefix for a
# HUD column, a bot-name prefix test), not a stale size.
DELIBERATE_CUT = 32


class ClientNameBuffer(Rule):
    code = "SPC601"
    name = "client-name-buffer"
    severity = Severity.WARNING
    item_local = True
    summary = "A player name read into a buffer smaller than MAX_NAME_LENGTH"
    fixable = True
    docs = """
## What it does
Flags `GetClientName(client, buffer, ...)` and `GetClientInfo(client, "name", buffer, ...)`
where `buffer` is a local or global array declared with a literal size from 32 (the old
`MAX_NAME_LENGTH`) to 127: `char name[32]`, `decl String:name[64]`,
`char g_sName[MAXPLAYERS + 1][32]`. Buffers declared with `MAX_NAME_LENGTH`, another macro,
or 128 and more are fine, and so are smaller ones (`char prefix[11]`), which cut the name on
purpose.

## Why is this bad?
`MAX_NAME_LENGTH` is 128 since SourceMod 1.9: a name is up to 32 characters, and each
character can take up to 4 bytes in UTF-8. A 32-byte buffer cuts names with accents,
Cyrillic or CJK characters (and the cut can split a character), so the name in chat, logs
or the database is not the player's name.

## Example
```sourcepawn
char name[32];
GetClientName(client, name, sizeof(name));
```

## Use instead
```sourcepawn
char name[MAX_NAME_LENGTH];
GetClientName(client, name, sizeof(name));
```
The fix changes the declared size; it is offered when the size passed to the call is
`sizeof(...)` of the buffer, so that the call follows.
"""
    calls = frozenset({"GetClientName", "GetClientInfo"})

    def check_call(self, call: Node, callee: str, ctx: Context) -> Iterator[Diagnostic]:
        args = ctx.args(call)
        function = call.child_by_field_name("function")
        if function is None or function.type != "identifier":
            return
        if callee == "GetClientInfo":
            if len(args) < 3 or ctx.string_value(args[1]) != "name":
                return
            args = [args[0], *args[2:]]
        if len(args) < 2:
            return
        buffer = args[1]
        size_arg = args[2] if len(args) > 2 else None
        indexed = buffer.type == "array_indexed_access"
        base = buffer.child_by_field_name("array") if indexed else buffer
        if base is None or base.type != "identifier":
            return
        name = ctx.text(base)
        decl = find_declaration(name, buffer, ctx)
        if decl is None or decl.kind == "parameter" or len(decl.dimensions) != (2 if indexed else 1):
            return
        size_node = size_expression(decl.dimensions[-1])
        if size_node is None or size_node.type != "int_literal":
            return
        size = int(ctx.text(size_node), 0)
        if size >= MAX_NAME_LENGTH or size < DELIBERATE_CUT:
            return
        message = (
            f"`{name}` holds {size} bytes but a player name takes up to MAX_NAME_LENGTH (128) bytes "
            f"(32 characters of up to 4 bytes); declare it with [MAX_NAME_LENGTH]"
        )
        fix = None
        if size_arg is not None and _is_sizeof(size_arg, name, ctx):
            fix = self.fix(
                ctx,
                f"Declare `{name}` with MAX_NAME_LENGTH",
                (size_node.start_byte, size_node.end_byte, "MAX_NAME_LENGTH"),
            )
        yield self.diagnostic(ctx, buffer, message, fix=fix)


def _is_sizeof(node: Node, name: str, ctx: Context) -> bool:
    """`sizeof(name)` or `sizeof(name[])`."""
    if node.type != "sizeof_expression":
        return False
    text = ctx.text(node).replace(" ", "")
    return text in (f"sizeof({name})", f"sizeof({name}[])", f"sizeof{name}")
