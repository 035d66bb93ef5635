from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.api.translations import plugin_translations
from spcopilot.diagnostics.rules.base import Rule


class PhraseMissingTranslation(Rule):
    code = "SPC107"
    name = "phrase-missing-translation"
    severity = Severity.INFO
    summary = "A phrase that some of its file's language folders do not translate"
    docs = """
## What it does
For each `%t`/`%T` phrase the plugin uses (once per phrase), lists the language folders
(`translations/ru/`, `translations/chi/`, ...) whose copy of the phrase's file lacks it.
Information only: a language may be translated partly on purpose.

## Why is this bad?
Players whose client language has no translation see the English text (SourceMod falls back to
the server's language), which is usually the point of the language file not being there.

## Example
```sourcepawn
// translations/speed_boost.phrases.txt has "Boost Ready"; translations/ru/speed_boost.phrases.txt does not
PrintToChat(client, "%t", "Boost Ready", client, count);
```

## Use instead
```sourcepawn
// add "Boost Ready" { "ru" "..." } to translations/ru/speed_boost.phrases.txt
PrintToChat(client, "%t", "Boost Ready", client, count);
```
"""

    def finish(self, ctx: Context) -> Iterator[Diagnostic]:
        found = plugin_translations(ctx)
        if not found.calls or not found.judged:
            return
        done: set[str] = set()
        for call in found.calls:
            for use in found.uses_of(call):
                if use.name is None or use.name in done:
                    continue
                done.add(use.name)
                owner = next((n for n, f in found.loaded_files().items() if f and use.name in f.phrases), None)
                if owner is None:
                    continue
                missing = sorted(
                    language
                    for language, file in found.translations.languages(owner).items()
                    if not file.error and use.name not in file.phrases
                )
                if missing:
                    yield self.diagnostic(
                        ctx, use.node, f'phrase "{use.name}" has no translation in {", ".join(missing)} ({owner}.txt)'
                    )
