from __future__ import annotations

import re
from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Match, Rule
from spcopilot.diagnostics.rules.security.format_strings import literal_parts, literal_text, looks_like_sql
from spcopilot.diagnostics.rules.timers import function_body as fb

_QUOTED = b'\\"%s\\"'
# `"%s"` right after these words names a table or column (an identifier), not a value.
_IDENTIFIER_CONTEXT = re.compile(rb"(?i)\b(?:table|into|from|update|join|exists|index|on)\s*$")
# call -> index of the format argument
_FORMAT_AT = {"Format": 2, "FormatEx": 2, "SQL_FormatQuery": 3}


class SqlDoubleQuotedString(Rule):
    code = "SPC507"
    name = "sql-double-quoted-string"
    severity = Severity.WARNING
    item_local = True
    summary = "A %s value in double quotes inside an SQL statement"
    fixable = True
    docs = """
## What it does
In a format string that is an SQL statement (`Format`, `FormatEx`, `db.Format`,
`SQL_FormatQuery`), flags values written as `\\"%s\\"`. Quoted names right after `TABLE`,
`INTO`, `FROM`, `UPDATE`, `JOIN` (identifiers) are left alone. The fix is safe with `db.Format`
and `SQL_FormatQuery` (which escape the value); with a plain `Format` it is offered as unsafe,
since an unescaped value containing `'` would then break the query (escape it, see SPC501).

## Why is this bad?
SourceMod's escaping (`db.Format`, `db.Escape`) only guarantees safety inside single quotes
(dbi.inc). In SQLite a double-quoted word is first looked up as a column name, and in MySQL with
`ANSI_QUOTES` it always is: the value is read as an identifier, or the escaping can be bypassed.

## Example
```sourcepawn
g_hDB.Format(query, sizeof(query), "SELECT points FROM players WHERE name = \\"%s\\"", name);
```

## Use instead
```sourcepawn
g_hDB.Format(query, sizeof(query), "SELECT points FROM players WHERE name = '%s'", name);
```
"""
    calls = frozenset({"Format", "FormatEx", "SQL_FormatQuery"})
    call_query = """
((call_expression function: (identifier) @fn) @call (#any-of? @fn "Format" "FormatEx" "SQL_FormatQuery"))
((call_expression function: (field_access field: (identifier) @method)) @call (#eq? @method "Format"))
"""

    def check(self, match: Match, ctx: Context) -> Iterator[Diagnostic]:
        call = match["call"][0]
        name = ctx.text(match["fn"][0]) if "fn" in match else "Format"
        args = fb.arguments(call)
        at = _FORMAT_AT[name]
        if len(args) <= at:
            return
        parts = literal_parts(args[at])
        text = literal_text(args[at], ctx)
        if not parts or text is None or b'\\"%s\\"' not in ctx.source[args[at].start_byte : args[at].end_byte]:
            return
        if not looks_like_sql(text):
            return
        # db.Format / SQL_FormatQuery escape %s, so single quotes are strictly better. With a plain
        # Format the value may hold an unescaped ' that only worked inside "...": let the user decide.
        escapes = name == "SQL_FormatQuery" or "fn" not in match
        before = b""
        for part in parts:
            raw = ctx.source[part.start_byte + 1 : part.end_byte - 1]
            start = raw.find(_QUOTED)
            while start != -1:
                if not _IDENTIFIER_CONTEXT.search(before + raw[:start]):
                    begin = part.start_byte + 1 + start
                    yield self.diagnostic(
                        ctx,
                        (begin, begin + len(_QUOTED)),
                        "SQL values belong in single quotes: escaping is only guaranteed inside '...' (in SQLite and "
                        "ANSI_QUOTES MySQL \"...\" is a column name); write '%s'",
                        fix=self.fix(ctx, "Use '%s'", (begin, begin + len(_QUOTED), "'%s'"), safe=escapes),
                    )
                start = raw.find(_QUOTED, start + 1)
            before += raw
