from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Match, Rule
from spcopilot.diagnostics.rules.buffers.declarations import parameter_declaration
from tree_sitter import Node

# The names SourceMod and plugin authors give the length parameter that goes with a buffer.
LENGTH_NAMES = frozenset(
    {
        "maxlength",
        "maxlen",
        "maxsize",
        "size",
        "len",
        "length",
        "buffersize",
        "bufsize",
        "buflen",
        "bufferlen",
        "bufferlength",
    }
)


class SizeofArrayParameter(Rule):
    code = "SPC602"
    name = "sizeof-array-parameter"
    severity = Severity.ERROR
    item_local = True
    summary = "sizeof() of an array parameter declared without a size"
    fixable = True
    docs = """
## What it does
Flags `sizeof(buffer)` inside a function where `buffer` is a parameter declared without a
size: `char[] buffer`, `const char[] text`, `String:buffer[]`, `int[] list`. `sizeof` of a
local array, a global, or a parameter declared with a size (`char buffer[64]`) is fine.

## Why is this bad?
An unsized array parameter takes arrays of any length, so its size is not known when the
function is compiled: spcomp stops with `error 163: indeterminate array size in "sizeof"
expression`. The caller's buffer size has to be passed in, which is why SourceMod's own
functions take `(char[] buffer, int maxlength)`.

## Example
```sourcepawn
void GetTeamName2(int team, char[] buffer, int maxlength)
{
    strcopy(buffer, sizeof(buffer), team == 2 ? "Survivors" : "Infected");
}
```

## Use instead
```sourcepawn
void GetTeamName2(int team, char[] buffer, int maxlength)
{
    strcopy(buffer, maxlength, team == 2 ? "Survivors" : "Infected");
}
```
The fix (unsafe) uses the function's length parameter when it has exactly one named
`maxlength`, `maxlen`, `size`, `len`, `length`, `bufferSize`, ...
"""
    query = "(sizeof_expression type: (identifier) @name) @sizeof"

    def check(self, match: Match, ctx: Context) -> Iterator[Diagnostic]:
        node, sizeof = match["name"][0], match["sizeof"][0]
        function = ctx.enclosing_function(sizeof)
        if function is None:
            return
        name = ctx.text(node)
        params = ctx.parameters(function)
        # What the name stands for there (a block's local of the same name hides the parameter).
        param = ctx.local_declaration(function, name, node.start_byte)
        if (
            param is None
            or param.type != "parameter_declaration"
            or not parameter_declaration(name, param, ctx).unsized
        ):
            return
        lengths = [n for n, p in params if n.lower() in LENGTH_NAMES and _is_int(p, ctx)]
        message = f"`{name}` is an array parameter without a size, so sizeof({name}) does not compile (error 163)"
        fix = None
        if len(lengths) == 1:
            message += f"; use the length the caller passes, `{lengths[0]}`"
            fix = self.fix(ctx, f"Use `{lengths[0]}`", (sizeof.start_byte, sizeof.end_byte, lengths[0]), safe=False)
        else:
            message += "; take the buffer's length as a parameter (`int maxlength`) and use it"
        yield self.diagnostic(ctx, sizeof, message, fix=fix)


def _is_int(param: Node, ctx: Context) -> bool:
    """An `int` (or untagged old-style) scalar parameter."""
    if any(c.type in ("dimension", "fixed_dimension", "array_type") for c in param.named_children):
        return False
    kind = param.child_by_field_name("type")
    return kind is None or ctx.text(kind) == "int"
