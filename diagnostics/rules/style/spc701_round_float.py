from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Rule
from tree_sitter import Node


class RoundFloat(Rule):
    code = "SPC701"
    name = "round-float"
    severity = Severity.HINT
    item_local = True
    summary = "RoundFloat() is a valid stock; RoundToNearest() says the same thing directly"
    fixable = True
    docs = """
## What it does
Suggests `RoundToNearest(x)` for `RoundFloat(x)`. This is a style hint, not an error:
`RoundFloat` is a valid stock in SourceMod's float.inc whose whole body is
`return RoundToNearest(value);`. Files that define their own `RoundFloat` are left alone.

## Why is this bad?
It is not wrong. `RoundToNearest` is the native the stock calls, and naming the rounding
mode (`RoundToNearest`, `RoundToFloor`, `RoundToCeil`, `RoundToZero`) makes it clear which
one was meant, where "round float" is sometimes written when truncation or a floor was wanted.

## Example
```sourcepawn
int percent = RoundFloat(ratio * 100.0);
```

## Use instead
```sourcepawn
int percent = RoundToNearest(ratio * 100.0);
```
"""
    calls = frozenset({"RoundFloat"})

    def check_call(self, call: Node, callee: str, ctx: Context) -> Iterator[Diagnostic]:
        function = call.child_by_field_name("function")
        if function is None or function.type != "identifier" or ctx.model.is_defined("RoundFloat"):
            return
        message = (
            "RoundFloat is a valid stock that calls RoundToNearest; prefer RoundToNearest (or the rounding you mean)"
        )
        fix = self.fix(ctx, "Use RoundToNearest", (function.start_byte, function.end_byte, "RoundToNearest"))
        yield self.diagnostic(ctx, function, message, fix=fix)
