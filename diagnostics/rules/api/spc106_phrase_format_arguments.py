from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.api.translations import plugin_translations
from spcopilot.diagnostics.rules.base import Rule


class PhraseFormatArguments(Rule):
    code = "SPC106"
    name = "phrase-format-arguments"
    severity = Severity.WARNING
    summary = "A %t/%T phrase given fewer arguments than it takes"
    docs = """
## What it does
Counts the arguments of a call that formats `%t`/`%T` phrases: each phrase takes what its
`#format` line says (`"{1:N},{2:d}"` takes two; without `#format`, SourceMod formats the
phrase's own text with the call's arguments, so its `%s`/`%d`/... count), `%T` one more (the
client whose language is used), every other conversion one. Reports the phrase when the call
passes fewer. Only calls whose phrases are all known (in files the plugin loads) are counted;
extra arguments are left alone (SourceMod ignores them).

## Why is this bad?
The message is never sent: SourceMod stops the call with "Translation string formatted
incorrectly - missing at least 1 parameters" in the error log.

## Example
```sourcepawn
// "Boost Ready"  { "#format" "{1:N},{2:d}"  "en" "{1} has {2} boosts" }
PrintToChat(client, "%t", "Boost Ready", client);
```

## Use instead
```sourcepawn
PrintToChat(client, "%t", "Boost Ready", client, g_iBoosts[client]);
```
"""

    def finish(self, ctx: Context) -> Iterator[Diagnostic]:
        found = plugin_translations(ctx)
        if not found.calls or not found.judged:
            return
        for call in found.calls:
            expected = call.expected(found.count, ctx.source)
            given = len(call.arguments)
            if expected is None or given >= expected:
                continue
            parts = []
            uses = found.uses_of(call)
            for use in uses:
                phrase = found.loaded_phrase(use.name or "")
                if phrase is not None:
                    taken = f'#format "{phrase.format}"' if phrase.format else "its text's own conversions, no #format"
                    extra = " + the client" if use.letter == "T" else ""
                    parts.append(f'"{phrase.name}" takes {phrase.arguments}{extra} ({taken})')
            noun = "argument" if expected == 1 else "arguments"
            message = f"this format takes {expected} {noun} after it, {given} given: " + "; ".join(parts)
            yield self.diagnostic(ctx, uses[0].node if uses else call.call, message)
