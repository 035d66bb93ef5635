from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Match, Rule
from spcopilot.diagnostics.rules.timers import function_body as fb

# call -> index of the input string (the output buffer follows it)
_INPUT_AT = {"SQL_EscapeString": 1, "SQL_QuoteString": 1, "Escape": 0}


class EscapeSameBuffer(Rule):
    code = "SPC508"
    name = "escape-same-buffer"
    severity = Severity.ERROR
    item_local = True
    summary = "SQL escaping that writes into the buffer it reads"
    docs = """
## What it does
Flags `SQL_EscapeString(db, s, s, ...)`, `SQL_QuoteString(db, s, s, ...)` and
`db.Escape(s, s, ...)`: the same buffer as input and output.

## Why is this bad?
The escaper reads the string while it writes the longer, escaped copy over it: the result is
garbled (a real bug in levels_ranks, PR #35), and the buffer is rarely big enough for the
escaped text, which can be twice as long.

## Example
```sourcepawn
char name[MAX_NAME_LENGTH];
GetClientName(client, name, sizeof(name));
g_hDB.Escape(name, name, sizeof(name));
```

## Use instead
```sourcepawn
char name[MAX_NAME_LENGTH], safeName[2 * MAX_NAME_LENGTH + 1];
GetClientName(client, name, sizeof(name));
g_hDB.Escape(name, safeName, sizeof(safeName));
```
"""
    calls = frozenset({"Escape", "SQL_EscapeString", "SQL_QuoteString"})
    call_query = """
((call_expression function: (identifier) @fn) @call (#any-of? @fn "SQL_EscapeString" "SQL_QuoteString"))
((call_expression function: (field_access field: (identifier) @fn)) @call (#eq? @fn "Escape"))
"""

    def check(self, match: Match, ctx: Context) -> Iterator[Diagnostic]:
        call = match["call"][0]
        at = _INPUT_AT[ctx.text(match["fn"][0])]
        args = fb.arguments(call)
        if len(args) <= at + 1:
            return
        source, target = args[at], args[at + 1]
        if source.type not in ("identifier", "array_indexed_access") or ctx.text(source) != ctx.text(target):
            return
        name = ctx.text(source)
        yield self.diagnostic(
            ctx,
            target,
            f"`{name}` is both the input and the output of the escape: the text is garbled while it is read; "
            f"escape into a separate buffer of twice its size plus one (e.g. `char safe[2 * MAX_NAME_LENGTH + 1]`) "
            f"and use that",
        )
