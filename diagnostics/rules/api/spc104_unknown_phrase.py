from __future__ import annotations

import difflib
from collections.abc import Iterator
from functools import lru_cache

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.api.translations import plugin_translations
from spcopilot.diagnostics.rules.base import Rule


@lru_cache(maxsize=256)
def _close(name: str, names: tuple[str, ...]) -> list[str]:
    """The nearest phrase name (difflib is slow; the same question comes on every keystroke)."""
    return difflib.get_close_matches(name, names, n=1, cutoff=0.8)


class UnknownPhrase(Rule):
    code = "SPC104"
    name = "unknown-phrase"
    severity = Severity.WARNING
    summary = "A %t/%T phrase that none of the plugin's phrase files has"
    fixable = True
    docs = """
## What it does
Reports the phrase name of a `%t` or `%T` format (`PrintToChat(client, "%t", "Boost Ready")`)
that is in none of the phrase files the plugin loads with `LoadTranslations`, nor in any other
file of its `translations/` folder. It only speaks when every file the plugin loads was found
(next to the plugin, or above its include folders for SourceMod's own `common.phrases`): a
phrase in a file we cannot see is never reported. A close name in the loaded files is offered
as the fix.

## Why is this bad?
SourceMod looks the phrase up when the message is sent: a missing one prints nothing and logs
`[SM] Language phrase "Boost Ready" not found` (the native fails), so the player never sees the
message.

## Example
```sourcepawn
LoadTranslations("speed_boost.phrases");
PrintToChat(client, "%t", "Boost Redy", client);
```

## Use instead
```sourcepawn
PrintToChat(client, "%t", "Boost Ready", client);
```
(with `"Boost Ready"` defined in `translations/speed_boost.phrases.txt`).
"""

    def finish(self, ctx: Context) -> Iterator[Diagnostic]:
        found = plugin_translations(ctx)
        if not found.calls or not found.judged or not found.all_loaded_known():
            return
        loaded = {name: f for name, f in found.loaded_files().items() if f is not None}
        for call in found.calls:
            for use in found.uses_of(call):
                if use.name is None or found.loaded_phrase(use.name) is not None or found.find(use.name):
                    continue
                names = tuple(sorted({p for f in loaded.values() for p in f.phrases}))
                if use.name.lower() in {p.lower() for p in names}:
                    continue  # a difference of case only: left to SourceMod's own lookup
                files = ", ".join(f"{n}.txt" for n in loaded) or "no phrase file"
                close = _close(use.name, names)
                message = f'phrase "{use.name}" is in none of the phrase files this plugin loads ({files})'
                fix = None
                if close:
                    message += f'; did you mean "{close[0]}"?'
                    fix = self.fix(
                        ctx, f'Use "{close[0]}"', (use.node.start_byte, use.node.end_byte, f'"{close[0]}"'), safe=False
                    )
                yield self.diagnostic(ctx, use.node, message, fix=fix)
