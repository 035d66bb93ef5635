from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Rule
from spcopilot.diagnostics.rules.buffers.declarations import find_declaration
from tree_sitter import Node

# Tags that are not Handles: `delete` does not compile on them (CloseHandle only warns).
NOT_HANDLE_TYPES = frozenset({"", "int", "any", "bool", "float", "char", "Float", "String", "_"})
DELETABLE = ("identifier", "field_access", "array_indexed_access")


def _base_variable(node: Node) -> Node | None:
    while node.type == "array_indexed_access":
        node = node.child_by_field_name("array")  # type: ignore[assignment]
        if node is None:
            return None
    return node if node.type == "identifier" else None


def _timer_closing_itself(target: Node, call: Node, ctx: Context) -> bool:
    """`CloseHandle(timer)` on the first parameter of a timer callback."""
    function = ctx.enclosing_function(call)
    if function is None or target.type != "identifier":
        return False
    params = ctx.parameters(function)
    if not params or params[0][0] != ctx.text(target):
        return False
    name = ctx.function_name(function)
    return any(r.callback == name for r in ctx.model.registrations_of("CreateTimer", "CreateDataTimer"))


class CloseHandleToDelete(Rule):
    code = "SPC702"
    name = "close-handle"
    severity = Severity.HINT
    item_local = True
    summary = "CloseHandle(x); can be written delete x; (which also sets x to null)"
    fixable = True
    docs = """
## What it does
Suggests `delete x;` for a `CloseHandle(x);` statement whose argument is a variable, an
array element or a field. `CloseHandle` is legal; this is a hint. Calls whose result is used
(`if (CloseHandle(h))`), calls on other expressions, variables declared without a Handle
type (`new x`, `int x`), a timer callback closing its own timer (SPC402's finding: neither
form is right there) and files that define their own `CloseHandle` are left alone.

## Why is this bad?
`CloseHandle(x)` frees the Handle but leaves its old value in `x`: a later
`if (x != null)` check passes and closing or using it again throws "Invalid Handle".
`delete x;` closes it and sets `x` to `null` in one step, and is safe on `null`.

## Example
```sourcepawn
CloseHandle(g_hKv);
```

## Use instead
```sourcepawn
delete g_hKv;
```
The fix is safe for variables and array elements declared with a Handle type in this file,
unsafe otherwise (a field may be a read-only methodmap property).
"""
    calls = frozenset({"CloseHandle"})

    def check_call(self, call: Node, callee: str, ctx: Context) -> Iterator[Diagnostic]:
        function = call.child_by_field_name("function")
        statement = call.parent
        if function is None or function.type != "identifier" or statement is None:
            return
        if statement.type != "expression_statement" or ctx.model.is_defined("CloseHandle"):
            return
        args = ctx.args(call)
        if len(args) != 1 or args[0].type not in DELETABLE:
            return
        target = args[0]
        if _timer_closing_itself(target, call, ctx):
            return  # SPC402's finding: neither form is right there
        safe = False
        base = _base_variable(target)
        if base is not None:
            decl = find_declaration(ctx.text(base), target, ctx)
            if decl is not None and decl.type_name in NOT_HANDLE_TYPES:
                return
            safe = decl is not None
        text = ctx.text(target)
        message = f"`delete {text};` closes the Handle and also sets {text} to null; CloseHandle leaves a stale value"
        fix = self.fix(ctx, f"Use delete {text}", (call.start_byte, call.end_byte, f"delete {text}"), safe=safe)
        yield self.diagnostic(ctx, call, message, fix=fix)
