from __future__ import annotations

from collections.abc import Iterator

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Fix, Severity
from spcopilot.diagnostics.rules.api.translations import plugin_translations
from spcopilot.diagnostics.rules.base import Rule
from tree_sitter import Node


class PhraseFileNotLoaded(Rule):
    code = "SPC105"
    name = "phrase-file-not-loaded"
    severity = Severity.WARNING
    summary = "A %t/%T phrase whose phrase file the plugin never loads"
    fixable = True
    docs = """
## What it does
Reports a `%t` or `%T` phrase that is not in the files the plugin loads but is in another file
of its `translations/` folder, which the plugin never loads with `LoadTranslations`. The fix
adds the `LoadTranslations` line (after the plugin's last one, or first in `OnPluginStart`).

## Why is this bad?
Phrases are looked up only in the files the plugin loaded: the phrase exists, but for this
plugin it does not, and the message fails with `Language phrase "..." not found`.

## Example
```sourcepawn
public void OnPluginStart()
{
    LoadTranslations("common.phrases");
}
// "Boost Ready" is in translations/speed_boost.phrases.txt
PrintToChat(client, "%t", "Boost Ready", client);
```

## Use instead
```sourcepawn
public void OnPluginStart()
{
    LoadTranslations("common.phrases");
    LoadTranslations("speed_boost.phrases");
}
```
"""

    def finish(self, ctx: Context) -> Iterator[Diagnostic]:
        found = plugin_translations(ctx)
        if not found.calls or not found.judged or not found.loaded.complete:
            return
        for call in found.calls:
            for use in found.uses_of(call):
                if use.name is None or found.loaded_phrase(use.name) is not None:
                    continue
                files = [f for f in found.find(use.name) if f.name not in found.loaded.names]
                if not files:
                    continue
                name = files[0].name
                message = (
                    f'phrase "{use.name}" is in {name}.txt, which this plugin never loads: '
                    f'add LoadTranslations("{name}"); to OnPluginStart'
                )
                yield self.diagnostic(ctx, use.node, message, fix=self._load(ctx, found.loaded.calls, name))

    def _load(self, ctx: Context, calls: tuple[Node, ...], name: str) -> Fix | None:
        line = f'LoadTranslations("{name}");'
        if calls:
            statement = calls[-1].parent
            if statement is None or statement.type != "expression_statement":
                return None
            start = ctx.source.rfind(b"\n", 0, statement.start_byte) + 1
            indent = ctx.source[start : statement.start_byte].decode("utf-8", "replace")
            if indent.strip():
                return None
            return self.fix(
                ctx, f"Load {name}", (statement.end_byte, statement.end_byte, f"\n{indent}{line}"), safe=False
            )
        function = ctx.model.functions.get("OnPluginStart")
        body = function.child_by_field_name("body") if function is not None else None
        if body is None or body.child_count == 0 or body.children[0].type != "{":
            return None
        brace = body.children[0].end_byte
        return self.fix(ctx, f"Load {name}", (brace, brace, f"\n    {line}"), safe=False)
