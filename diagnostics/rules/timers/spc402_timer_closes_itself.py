from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Fix, Severity
from spcopilot.diagnostics.rules.base import Match, Rule
from spcopilot.diagnostics.rules.timers import function_body as fb
from tree_sitter import Node


class TimerClosesItself(Rule):
    code = "SPC402"
    name = "timer-closes-itself"
    severity = Severity.ERROR
    item_local = True
    summary = "A timer callback deletes its own timer handle"
    fixable = True
    docs = """
## What it does
Inside a timer callback (a function given to `CreateTimer`/`CreateDataTimer`), flags
`delete timer;` and `CloseHandle(timer)` on the callback's own `Handle` parameter, or on the
global variable that holds this same timer (`g_hTimer = CreateTimer(1.0, ThisCallback, ...)`).
`KillTimer` is not flagged: SourceMod defers it until the callback returns.

## Why is this bad?
Closing a timer's handle while its callback runs frees the handle at once; when the callback
returns SourceMod frees it again and logs an "Invalid Handle" error ("suicide timers",
sourcemod issue #682). A one-shot timer ends by itself when the callback returns; a repeating
timer ends when the callback returns `Plugin_Stop`.

## Example
```sourcepawn
public Action Timer_Countdown(Handle timer)
{
    if (--g_iSeconds <= 0)
    {
        delete g_hCountdown;
    }
    return Plugin_Continue;
}
```

## Use instead
```sourcepawn
public Action Timer_Countdown(Handle timer)
{
    if (--g_iSeconds <= 0)
    {
        g_hCountdown = null;
        return Plugin_Stop;
    }
    return Plugin_Continue;
}
```
"""
    calls = frozenset({"CloseHandle"})
    call_query = """
((call_expression
   function: (identifier) @fn
   arguments: (call_arguments . (identifier) @target)) @statement
 (#eq? @fn "CloseHandle"))
"""
    query = """
(delete_statement free: (identifier) @target) @statement
"""

    def check(self, match: Match, ctx: Context) -> Iterator[Diagnostic]:
        node = match["statement"][0]
        target = ctx.text(match["target"][0])
        function = ctx.enclosing_function(node)
        if function is None:
            return
        callback = ctx.function_name(function)
        timers = [r for r in ctx.model.registrations_of("CreateTimer", "CreateDataTimer") if r.callback == callback]
        if not timers:
            return
        params = fb.parameter_names(function, ctx.source)
        if params and target == params[0]:
            what = f"`{target}` is the timer running `{callback}`"
        elif ctx.local_declaration(function, target, node.start_byte) is None and any(
            _holds(r.call, target, ctx) for r in timers
        ):
            what = f"`{target}` holds the timer that runs `{callback}`"
        else:
            return
        own = bool(params) and target == params[0]
        action = "delete it" if node.type == "delete_statement" else "CloseHandle it"
        message = (
            f"{what}: do not {action} from its own callback, SourceMod frees the handle again when the callback "
            f'returns ("suicide timer", Invalid Handle error); '
        )
        if not own:
            message += f"set `{target} = null;` and "
        if fb.return_type(function, ctx.source) == "Action":
            message += "return Plugin_Stop instead (or call KillTimer, which waits for the callback to return)"
        else:
            message += "call KillTimer instead, which waits for the callback to return"
        yield self.diagnostic(ctx, node, message, fix=self._fix(node, function, None if own else target, ctx))

    def _fix(self, node: Node, function: Node, global_name: str | None, ctx: Context) -> Fix | None:
        """Return Plugin_Stop instead (clearing the global first when the timer was kept in one)
        where that ends the callback; otherwise KillTimer, which SourceMod defers safely."""
        statement = node if node.type == "delete_statement" else node.parent
        if statement is None or statement.type not in ("delete_statement", "expression_statement"):
            return None
        target = (
            ctx.text(node.child_by_field_name("free"))
            if node.type == "delete_statement"
            else ctx.text(fb.arguments(node)[0])
        )
        parent = statement.parent
        in_block = parent is not None and parent.type == "block"
        span = (statement.start_byte, statement.end_byte)
        indent = fb.line_indent(statement, ctx.source)
        if in_block and parent is not None and fb.return_type(function, ctx.source) == "Action":
            rest = [c for c in parent.named_children if c.start_byte > statement.start_byte and c.type != "comment"]
            nulls = [c for c in rest if _sets_null(c, ctx)]
            after_nulls = [c for c in rest if c not in nulls]
            cleared = {_null_target(c, ctx) for c in nulls}
            clear = f"{global_name} = null;" if global_name and global_name not in cleared else ""
            if after_nulls and after_nulls[0].type == "return_statement":
                value = after_nulls[0].child_by_field_name("expression")
                if value is not None and ctx.text(value) == "Plugin_Stop":
                    if clear:
                        return self.fix(ctx, f"Clear `{global_name}` instead", (*span, clear), safe=False)
                    start, end = fb.removal(statement, ctx.source)
                    return self.fix(
                        ctx, "Remove it: the callback already returns Plugin_Stop", (start, end, ""), safe=False
                    )
            elif not rest and _ends_function(statement, function):
                text = f"{clear}\n{indent}return Plugin_Stop;" if clear else "return Plugin_Stop;"
                return self.fix(ctx, "Return Plugin_Stop instead", (*span, text), safe=False)
        if global_name is None:
            return self.fix(
                ctx, "Use KillTimer (deferred until the callback returns)", (*span, f"KillTimer({target});"), safe=False
            )
        if in_block and parent is not None:
            following = [
                c for c in parent.named_children if c.start_byte > statement.start_byte and c.type != "comment"
            ]
            if following and _assigns(following[0], global_name, ctx):  # re-created right away
                return self.fix(
                    ctx,
                    "Use KillTimer (deferred until the callback returns)",
                    (*span, f"KillTimer({target});"),
                    safe=False,
                )
            text = f"KillTimer({target});\n{indent}{global_name} = null;"
            return self.fix(ctx, "Use KillTimer and clear the variable", (*span, text), safe=False)
        return None


def _holds(call: Node, target: str, ctx: Context) -> bool:
    """Is this CreateTimer call's result stored in `target` (`target = CreateTimer(...)`)?"""
    parent = call.parent
    while parent is not None and parent.type in ("parenthesized_expression", "view_as"):
        parent = parent.parent
    if parent is None or parent.type != "assignment_expression":
        return False
    left = parent.child_by_field_name("left")
    return left is not None and left.type == "identifier" and ctx.text(left) == target


def _assigns(statement: Node, name: str, ctx: Context) -> bool:
    if statement.type != "expression_statement" or not statement.named_children:
        return False
    expr = statement.named_children[0]
    return expr.type == "assignment_expression" and fb.name_of(expr.child_by_field_name("left"), ctx.source) == name


def _sets_null(statement: Node, ctx: Context) -> bool:
    if statement.type != "expression_statement" or not statement.named_children:
        return False
    expr = statement.named_children[0]
    return expr.type == "assignment_expression" and fb.is_null(expr.child_by_field_name("right"), ctx.source)


def _null_target(statement: Node, ctx: Context) -> str:
    return fb.name_of(statement.named_children[0].child_by_field_name("left"), ctx.source)


def _ends_function(statement: Node, function: Node) -> bool:
    """Nothing runs after this statement: it is last in its block, and so is every enclosing
    `if` up to the function body (loops and switches excluded)."""
    body = fb.body(function)
    node = statement
    while True:
        parent = node.parent
        if parent is None:
            return False
        if parent.type == "block":
            last = [c for c in parent.named_children if c.type != "comment"][-1]
            if last.id != node.id:
                return False
            if body is not None and parent.id == body.id:
                return True
            node = parent
        elif parent.type == "condition_statement":
            node = parent
        else:
            return False
