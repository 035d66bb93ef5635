"""The engine: text in, diagnostics and edits out. No LSP types, no model, no network.

```python
from spcopilot.diagnostics import lint, fix_all
for d in lint(source, "plugin.sp"):
    print(d.code, d.message)
```
"""

from __future__ import annotations

from typing import Any

from spcopilot.diagnostics.budget import AnalysisStopped, Budget
from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.engine import lint
from spcopilot.diagnostics.fixes import FixResult, apply_fixes, fix_until_stable
from spcopilot.diagnostics.game import GameInfo, detect_game
from spcopilot.diagnostics.model import Applicability, Diagnostic, Edit, Fix, Position, Range, Severity, Tag


def fix_all(
    text: str | bytes, path: str = "", config: Config | None = None, unsafe: bool = False, **kwargs: Any
) -> FixResult:
    """Apply fixes (safe ones unless `unsafe`) until the file is stable."""
    source = text.encode("utf-8") if isinstance(text, str) else text
    return fix_until_stable(source, lambda s: lint(s, path, config, **kwargs), unsafe=unsafe)


def detect_game_of(text: str | bytes) -> GameInfo:
    """Game detection for a whole source text (the dataset pipeline's entry point)."""
    from spcopilot.diagnostics.parsing import parse
    from spcopilot.diagnostics.semantics import build_model

    source = text.encode("utf-8") if isinstance(text, str) else text
    return detect_game(build_model(parse(source), source))


__all__ = [
    "AnalysisStopped",
    "Applicability",
    "Budget",
    "Config",
    "Diagnostic",
    "Edit",
    "Fix",
    "FixResult",
    "GameInfo",
    "Position",
    "Range",
    "Severity",
    "Tag",
    "apply_fixes",
    "detect_game",
    "detect_game_of",
    "fix_all",
    "lint",
]
