from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.knowledge.apis import nonexistent_functions
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.api.call_rewrites import sdkhooks_damage, steam2_auth
from spcopilot.diagnostics.rules.base import Rule
from tree_sitter import Node

# Fixes that rewrite the arguments too (where they fit): unsafe, the intent is a guess.
REWRITES = {"sdkhooks_damage": sdkhooks_damage, "steam2_auth": steam2_auth}


class NonexistentFunction(Rule):
    code = "SPC101"
    name = "nonexistent-function"
    severity = Severity.ERROR
    item_local = True
    summary = "Call to a function that SourceMod does not have"
    fixable = True
    docs = """
## What it does
Flags calls to functions that do not exist in SourceMod but are often written anyway, by people
coming from other scripting APIs and by language models: `RandomFloat`, `RandomInt`,
`TakeDamage`, `GetEntityModel`, `SetClientHealth`, ... A call is only flagged when no function
of that name is defined in the file or in an include we could read.

## Why is this bad?
The plugin does not compile (`error 017: undefined symbol`), or, when the model's output is
pasted in pieces, the wrong API spreads through the code.

## Example
```sourcepawn
float delay = RandomFloat(1.0, 5.0);
```

## Use instead
```sourcepawn
float delay = GetRandomFloat(1.0, 5.0);
```
Where the real API takes the same arguments the fix renames the call. Two fixes rewrite the
arguments too, and are unsafe (offered, and applied to generated code by the guard, never by
`check --fix`): `TakeDamage` becomes `SDKHooks_TakeDamage` where its arguments fit (`(victim,
damage)` → `(victim, 0, 0, damage)`, `(victim, attacker, damage)` → `(victim, attacker,
attacker, damage)`, four or more in SDKHooks order; the damage a float) and `#include
<sdkhooks>` is added; `GetClientSteamID(client, buf, len)` becomes `GetClientAuthId(client,
AuthId_Steam2, buf, len)`. Otherwise the message says what to call instead.
"""
    calls = frozenset(nonexistent_functions())

    def check_call(self, call: Node, name: str, ctx: Context) -> Iterator[Diagnostic]:
        node = call.child_by_field_name("function")
        if node is None or node.type != "identifier" or ctx.is_defined(name):
            return
        api = nonexistent_functions()[name]
        unknown = ctx.unknown_includes()
        message = f"`{name}` is not a SourceMod function; use {api.advice}"
        severity = None
        if unknown:
            # An include we could not read might define it: say so, and do not call it an error.
            listed = ", ".join(f"<{u}>" for u in unknown[:3])
            message += f" (unless {listed} defines it: add its folder with --include-dir)"
            severity = Severity.WARNING
        fix = None
        if api.fix_kind == "rename":
            fix = self.fix(
                ctx, f"Replace `{name}` with `{api.replacement}`", (node.start_byte, node.end_byte, api.replacement)
            )
        elif api.fix_kind in REWRITES:
            edits = REWRITES[api.fix_kind](ctx, call, node, api.replacement)
            if edits is not None:
                fix = self.fix(ctx, f"Call `{api.replacement}` instead", *edits, safe=False)
        yield self.diagnostic(ctx, node, message, fix=fix, severity=severity)
