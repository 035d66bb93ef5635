from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Match, Rule
from spcopilot.diagnostics.rules.security.format_strings import format_arguments, looks_like_sql
from spcopilot.diagnostics.rules.security.taint import taint_of


class SqlFormatInjection(Rule):
    code = "SPC501"
    name = "sql-format-injection"
    severity = Severity.ERROR
    item_local = True
    summary = "Player text put into an SQL query with Format, unescaped"
    docs = """
## What it does
Flags `Format`/`FormatEx` calls whose format string is an SQL statement (`SELECT ... FROM`,
`INSERT INTO`, `UPDATE ... SET`, `DELETE FROM`, `REPLACE INTO`, `WHERE col =`) when a `%s`
argument holds text a player controls in this function (a name from `GetClientName`, a client
setting, a command argument, chat text, a player-named event field) and was not escaped into the
buffer that is used, or when the statement uses `%N`/`%L` (the player's name, unescaped).
Steam ids (`GetClientAuthId`), numbers (`%d`) and `db.Format`/`SQL_FormatQuery` (which escape
`%s`) are fine.

## Why is this bad?
A name such as `'); DROP TABLE players; --` is SQL injection; even an innocent `O'Neil` breaks
the query. Real plugins were hit by this (player names in stats and ban plugins).

## Example
```sourcepawn
char name[MAX_NAME_LENGTH], query[256];
GetClientName(client, name, sizeof(name));
Format(query, sizeof(query), "UPDATE players SET name = '%s' WHERE steamid = '%s'", name, auth);
```

## Use instead
```sourcepawn
char name[MAX_NAME_LENGTH], query[256];
GetClientName(client, name, sizeof(name));
g_hDB.Format(query, sizeof(query), "UPDATE players SET name = '%s' WHERE steamid = '%s'", name, auth);
```
or escape into a separate buffer of `2 * strlen + 1` bytes:
`char safe[2 * MAX_NAME_LENGTH + 1]; g_hDB.Escape(name, safe, sizeof(safe));` and format `safe`.
"""
    calls = frozenset({"Format", "FormatEx"})
    call_query = """
((call_expression function: (identifier) @fn) @call (#any-of? @fn "Format" "FormatEx"))
"""

    def check(self, match: Match, ctx: Context) -> Iterator[Diagnostic]:
        parsed = format_arguments(match["call"][0], 2, ctx)
        if parsed is None or not looks_like_sql(parsed[0]):
            return
        advice = (
            "use `db.Format(...)`/`SQL_FormatQuery` (they escape %s and %N), or `db.Escape(x, safe, sizeof(safe))` "
            "into a separate buffer of 2*len+1 bytes and format that"
        )
        for letter, arg in parsed[1]:
            if letter in "NL":
                yield self.diagnostic(
                    ctx,
                    arg,
                    f"`%{letter}` puts the player's name into this SQL query unescaped (SQL injection); {advice}",
                )
            elif letter == "s":
                taint = taint_of(arg, ctx)
                if taint is None:
                    continue
                name = ctx.text(arg)
                message = f"`{name}` holds {taint.what} and goes into this SQL query unescaped (SQL injection); "
                if taint.escaped_into:
                    message += f"it was escaped into `{taint.escaped_into}`: format `{taint.escaped_into}` instead, or "
                yield self.diagnostic(ctx, arg, message + advice)
