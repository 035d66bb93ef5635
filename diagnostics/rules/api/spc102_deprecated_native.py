from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.knowledge.apis import ApiReplacement, deprecated_natives
from spcopilot.diagnostics.model import Diagnostic, Fix, Severity, Tag
from spcopilot.diagnostics.rules.api.call_rewrites import steam2_auth
from spcopilot.diagnostics.rules.base import Match, Rule
from tree_sitter import Node

# Deprecated forwards: the plugin defines them (SourceMod calls them), it does not call them.
FORWARDS = frozenset({"OnServerCfg", "AskPluginLoad", "OnLevelInit", "TF2_OnGetHoliday"})
_FORWARDS = " ".join(f'"{n}"' for n in sorted(FORWARDS))
# Arguments that need no parentheses next to a binary operator.
_TIGHT = frozenset(
    {
        "identifier",
        "int_literal",
        "float_literal",
        "char_literal",
        "string_literal",
        "bool_literal",
        "call_expression",
        "field_access",
        "array_indexed_access",
        "parenthesized_expression",
        "view_as",
        "scope_access",
        "this",
        "sizeof_expression",
        "unary_expression",
    }
)


class DeprecatedNative(Rule):
    code = "SPC102"
    name = "deprecated-native"
    severity = Severity.WARNING
    item_local = True
    summary = "Calls a SourceMod native (or defines a forward) that SourceMod marks deprecated"
    fixable = True
    tags = (Tag.DEPRECATED,)
    docs = """
## What it does
Flags calls to the functions SourceMod's own includes mark `#pragma deprecated`
(`GetMaxClients`, `GetClientAuthString`, `IsPlayerInGame`, `FloatMul`/`FloatDiv`/`FloatAdd`/
`FloatSub`/`FloatMod`, `StrCopy`, `FindSendPropOffs`, ...) and definitions of the deprecated
forwards `OnServerCfg`, `AskPluginLoad` and `OnLevelInit`, with the replacement to use.
Names the file defines itself are left alone; TF2 functions are only checked in TF2 (or
game-neutral) plugins.

## Why is this bad?
The compiler warns on every use (`warning 234: symbol "GetMaxClients" is marked as deprecated`),
some of them no longer work (`IsSoundPrecached` always returns true, `GetSoundDuration` may
crash), and the replacements are clearer: `MaxClients` is a variable, float arithmetic has
operators.

## Example
```sourcepawn
for (int i = 1; i <= GetMaxClients(); i++)
{
    float scaled = FloatMul(g_fDamage[i], 1.5);
}
```

## Use instead
```sourcepawn
for (int i = 1; i <= MaxClients; i++)
{
    float scaled = (g_fDamage[i] * 1.5);
}
```
Renames with the same arguments (`IsPlayerInGame` to `IsClientInGame`, `StrCopy` to `strcopy`),
`GetMaxClients()` to `MaxClients`, the `Float*` functions to operators, and
`GetClientAuthString(client, auth, maxlen)` to `GetClientAuthId(client, AuthId_Steam2, auth,
maxlen)` (SourceMod implements the old native as exactly that call) are fixed automatically;
other replacements and forwards (whose parameters differ) are left to you.
"""
    calls = frozenset(set(deprecated_natives()) - FORWARDS)
    query = f"""
((function_definition visibility: (visibility) @public name: (identifier) @forward)
 (#match? @public "public") (#any-of? @forward {_FORWARDS}))
"""

    def check(self, match: Match, ctx: Context) -> Iterator[Diagnostic]:
        node = match["forward"][0]
        name = ctx.text(node)
        if self._skipped(name, ctx):
            return
        api = deprecated_natives()[name]
        yield self.diagnostic(
            ctx,
            node,
            f"The forward `{name}` is deprecated: implement `{api.replacement}` instead "
            "(check its parameters; rename by hand)",
        )

    def check_call(self, call: Node, name: str, ctx: Context) -> Iterator[Diagnostic]:
        node = call.child_by_field_name("function")
        if node is None or node.type != "identifier" or self._skipped(name, ctx):
            return
        # SourceMod's own includes define these names too; only a definition in this file means
        # the plugin has its own function of that name.
        if ctx.model.is_defined(name):
            return
        api = deprecated_natives()[name]
        fix = self._fix(ctx, api, node, call)
        if api.fix_kind == "operator":
            advice = f"use the `{api.replacement}` operator"
            if fix is not None:
                advice += f": `{fix.edits[0].new_text}`"
        elif api.advice.startswith("Use "):
            advice = "u" + api.advice[1:]
        else:
            advice = api.advice
        message = f"`{name}` is deprecated in SourceMod; {advice}"
        yield self.diagnostic(ctx, node, message, fix=fix)

    @staticmethod
    def _skipped(name: str, ctx: Context) -> bool:
        return name.startswith("TF2_") and ctx.game.game not in ("tf2", "generic")

    def _fix(self, ctx: Context, api: ApiReplacement, node: Node, call: Node) -> Fix | None:
        if api.fix_kind == "rename":
            return self.fix(
                ctx,
                f"Replace with `{api.replacement}`",
                (node.start_byte, node.end_byte, api.replacement),
            )
        if api.fix_kind == "steam2_auth":
            edits = steam2_auth(ctx, call, node, api.replacement)
            return None if edits is None else self.fix(ctx, f"Use `{api.replacement}(..., AuthId_Steam2, ...)`", *edits)
        args = ctx.args(call)
        if api.fix_kind == "value" and not args:
            return self.fix(
                ctx,
                f"Replace with `{api.replacement}`",
                (call.start_byte, call.end_byte, api.replacement),
            )
        if api.fix_kind == "operator" and len(args) == 2:
            left, right = (_operand(ctx, a) for a in args)
            return self.fix(
                ctx,
                f"Use the `{api.replacement}` operator",
                (call.start_byte, call.end_byte, f"({left} {api.replacement} {right})"),
            )
        return None


def _operand(ctx: Context, node: Node) -> str:
    text = ctx.text(node)
    return text if node.type in _TIGHT else f"({text})"
