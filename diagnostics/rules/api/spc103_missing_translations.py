from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.matching import query_matches
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Rule

_TARGETING = ("FindTarget", "ReplyToTargetError")
_CALLS = """
((call_expression function: (identifier) @fn arguments: (call_arguments) @args) @call
 (#any-of? @fn "FindTarget" "ReplyToTargetError" "LoadTranslations"))
"""


class MissingTranslations(Rule):
    code = "SPC103"
    name = "missing-translations"
    severity = Severity.WARNING
    summary = 'FindTarget or ReplyToTargetError without LoadTranslations("common.phrases")'
    docs = """
## What it does
Reports a plugin that calls `FindTarget` (or `ReplyToTargetError`) but never loads the
`common.phrases` translations. Only files that define `OnPluginStart` are checked (a file
without it is usually a part of a larger plugin), and a `LoadTranslations` call with a name
that is not a plain string counts as loading them.

## Why is this bad?
When the target is not found, `FindTarget` replies with the phrases "No matching client",
"More than one client matched", ... from `common.phrases`. Without the file the reply itself
fails ("Language phrase \\"No matching client\\" not found"), so the admin gets an error
instead of a message. SourceMod's helpers.inc says FindTarget requires common.phrases.

## Example
```sourcepawn
public void OnPluginStart()
{
    RegAdminCmd("sm_heal", Command_Heal, ADMFLAG_SLAY);
}

public Action Command_Heal(int client, int args)
{
    char arg[MAX_NAME_LENGTH];
    GetCmdArg(1, arg, sizeof(arg));
    int target = FindTarget(client, arg);
    return Plugin_Handled;
}
```

## Use instead
```sourcepawn
public void OnPluginStart()
{
    LoadTranslations("common.phrases");
    RegAdminCmd("sm_heal", Command_Heal, ADMFLAG_SLAY);
}
```
"""

    def finish(self, ctx: Context) -> Iterator[Diagnostic]:
        if not any(ctx.contains(name.encode()) for name in _TARGETING):
            return  # most files: no need for the query below
        if "OnPluginStart" not in ctx.model.functions or any(ctx.model.is_defined(n) for n in _TARGETING):
            return
        first: dict[str, int] = {}
        nodes = {}
        for _, caps in query_matches(_CALLS, ctx.tree.root_node):
            fn = ctx.text(caps["fn"][0])
            call = caps["call"][0]
            if fn == "LoadTranslations":
                args = ctx.args(caps["args"][0])
                value = ctx.string_value(args[0]) if args else None
                if value is None or value.lower().removesuffix(".txt") == "common.phrases":
                    return
                continue
            if fn not in first or call.start_byte < first[fn]:
                first[fn] = call.start_byte
                nodes[fn] = caps["fn"][0]
        fn = next((f for f in _TARGETING if f in first), None)
        if fn is None:
            return
        yield self.diagnostic(
            ctx,
            nodes[fn],
            f'{fn} replies with phrases from "common.phrases", which this plugin never loads; '
            'add LoadTranslations("common.phrases"); to OnPluginStart',
        )
