from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Rule
from spcopilot.diagnostics.rules.buffers.declarations import Declaration, evaluate, find_declaration, size_expression
from tree_sitter import Node

# Functions that write into a buffer: (buffer argument, maxlength argument), 0-based.
BUFFER_ARGS = {
    "Format": (0, 1),
    "FormatEx": (0, 1),
    "VFormat": (0, 1),
    "strcopy": (0, 1),
    "StrCat": (0, 1),
    "FormatTime": (0, 1),
    "ReplaceString": (0, 1),
    "GetCmdArgString": (0, 1),
    "GetCurrentMap": (0, 1),
    "GetCmdArg": (1, 2),
    "GetClientName": (1, 2),
    "GetClientIP": (1, 2),
    "GetClientAuthString": (1, 2),
    "GetClientModel": (1, 2),
    "GetClientWeapon": (1, 2),
    "GetConVarString": (1, 2),
    "IntToString": (1, 2),
    "FloatToString": (1, 2),
    "GetEntityClassname": (1, 2),
    "GetEdictClassname": (1, 2),
    "GetPluginFilename": (1, 2),
    "BuildPath": (1, 2),
    "ReadFileLine": (1, 2),
    "GetNativeString": (1, 2),
    "BreakString": (1, 2),
    "GetClientAuthId": (2, 3),
    "GetClientInfo": (2, 3),
    "GetEventString": (2, 3),
    "KvGetString": (2, 3),
    "GetArrayString": (2, 3),
    "GetTrieString": (2, 3),
    "SQL_FetchString": (2, 3),
    "SQL_EscapeString": (2, 3),
    "SplitString": (2, 3),
    "GetEntPropString": (3, 4),
    "ImplodeStrings": (3, 4),
}


def _size(decl: Declaration, ctx: Context) -> tuple[str, int | None] | None:
    """(the size expression as written, its value) of a one-dimensional array; None otherwise."""
    if len(decl.dimensions) != 1:
        return None
    expr = size_expression(decl.dimensions[0])
    if expr is None:
        return ("", None)
    return (ctx.text(expr).replace(" ", ""), evaluate(expr, ctx))


class SizeofOtherBuffer(Rule):
    code = "SPC605"
    name = "sizeof-other-buffer"
    severity = Severity.WARNING
    item_local = True
    summary = "A buffer written with the size of another, larger buffer"
    fixable = True
    docs = """
## What it does
Flags calls that write into buffer `A` but pass `sizeof(B)` of a different buffer as the
maximum length (`Format`, `strcopy`, `GetClientName`, `GetClientAuthId`, `GetCmdArg`,
`GetConVarString`, `IntToString`, `GetEntPropString`, ...), when `B` is declared larger
than `A` or `A`'s size is unknown (an unsized parameter). Both must be plain variables
declared in this file; same-sized buffers (`char a[64], b[64]`) are not flagged.

## Why is this bad?
The function trusts the length it is given: writing up to `sizeof(B)` bytes into the
smaller `A` overruns it into whatever is declared next, corrupting other variables, or
stops the plugin with "Array index out of bounds". It is nearly always a copy-paste slip.

## Example
```sourcepawn
char auth[32], name[MAX_NAME_LENGTH];
GetClientAuthId(client, AuthId_Steam2, auth, sizeof(name));
```

## Use instead
```sourcepawn
char auth[32], name[MAX_NAME_LENGTH];
GetClientAuthId(client, AuthId_Steam2, auth, sizeof(auth));
```
"""
    calls = frozenset(BUFFER_ARGS)

    def check_call(self, call: Node, callee: str, ctx: Context) -> Iterator[Diagnostic]:
        function = call.child_by_field_name("function")
        if function is None or function.type != "identifier":
            return
        buffer_at, length_at = BUFFER_ARGS[callee]
        args = ctx.args(call)
        if len(args) <= length_at:
            return
        buffer, length = args[buffer_at], args[length_at]
        if buffer.type != "identifier" or length.type != "sizeof_expression":
            return
        other = length.child_by_field_name("type")
        if other is None or other.type != "identifier":
            return
        a, b = ctx.text(buffer), ctx.text(other)
        if a == b:
            return
        decl_a, decl_b = find_declaration(a, buffer, ctx), find_declaration(b, other, ctx)
        if decl_a is None or decl_b is None:
            return
        size_a, size_b = _size(decl_a, ctx), _size(decl_b, ctx)
        if size_a is None or size_b is None or not size_b[0]:
            return
        if size_a[0] == size_b[0]:
            return
        if size_a[1] is not None and size_b[1] is not None and size_b[1] <= size_a[1]:
            return
        if decl_a.unsized:
            message = (
                f"`{a}` is written with sizeof({b}), the size of another buffer, and `{a}`'s own "
                f"size is not known here; pass the length of `{a}`"
            )
            yield self.diagnostic(ctx, length, message)
            return
        message = (
            f"`{a}` ([{size_a[0]}]) is written with sizeof({b}) ([{size_b[0]}]), the size of "
            f"another buffer: {callee} can overrun `{a}`; use sizeof({a})"
        )
        fix = self.fix(ctx, f"Use sizeof({a})", (length.start_byte, length.end_byte, f"sizeof({a})"))
        yield self.diagnostic(ctx, length, message, fix=fix)
