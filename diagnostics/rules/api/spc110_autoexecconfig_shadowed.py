from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.api.convar_calls import CollectsConVarCalls, collected, sibling_plugins
from spcopilot.diagnostics.rules.base import Rule


class AutoExecConfigShadowed(CollectsConVarCalls, Rule):
    code = "SPC110"
    name = "autoexecconfig-shadowed"
    severity = Severity.WARNING
    summary = "AutoExecConfig writing the same config file as another plugin, or twice in one plugin"
    docs = """
## What it does
Reports `AutoExecConfig(true, "name")` (with its folder, `cfg/sourcemod/` by default) when
another plugin in the same folder names the same config file, or the plugin names it twice.

## Why is this bad?
AutoExecConfig writes the file only when it does not exist, with the ConVars of the plugin that
got there first; the other plugin's ConVars are never added to it, and both plugins execute
the one file. Server owners then cannot find half of the settings.

## Example
```sourcepawn
// tank_hud.sp and tank_notify.sp both:
AutoExecConfig(true, "l4d2_tank");
```

## Use instead
```sourcepawn
AutoExecConfig(true, "l4d2_tank_notify");
```
"""

    def finish(self, ctx: Context) -> Iterator[Diagnostic]:
        calls = [c for c in collected(ctx, self.code) if c.function == "AutoExecConfig"]
        if not calls:
            return
        seen: dict[str, int] = {}
        siblings = sibling_plugins(ctx.path)
        for call in calls:
            if call.name in seen:
                yield self.diagnostic(ctx, call.node, f"{call.name} is already executed on line {seen[call.name]}")
            else:
                others = sorted(Path(p).name for p, facts in siblings.items() if call.name in facts.configs)
                if others:
                    yield self.diagnostic(ctx, call.node, f"{', '.join(others)} in this folder also writes {call.name}: "
                                          "if both are installed, the file is written once, with the first plugin's "
                                          "ConVars only")  # fmt: skip
            seen.setdefault(call.name, call.node.start_point[0] + 1)
