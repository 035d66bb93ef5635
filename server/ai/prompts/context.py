"""What the model is told besides the code: the detected game, the events the file hooks, and
the signatures of the natives/stocks/forwards/methodmaps used near the cursor (from the include
index). Rendered as a short comment block: a repo-level model sees it as another file, the
others at the head of the prefix, the hole-filler chat prompt as notes."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from spcopilot.diagnostics.include_symbols import Symbol

GAME_NAMES = {
    "l4d2": "Left 4 Dead 2",
    "l4d1": "Left 4 Dead",
    "csgo": "CS:GO",
    "tf2": "Team Fortress 2",
    "generic": "any Source game",
}
SIGNATURE_KINDS = frozenset({"native", "stock", "forward", "function", "methodmap", "method", "property", "typedef"})
NEAR_LINES_BEFORE, NEAR_LINES_AFTER = 24, 4
MAX_SIGNATURES = 8
_CALLED = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_TYPE_USE = re.compile(r"\b([A-Z]\w*)\s+[a-z_]\w*\s*=\s*(?:new\s+)?")
_KEYWORDS = frozenset({"if", "for", "while", "switch", "return", "sizeof", "view_as", "delete", "new", "case"})

Lookup = Callable[[str], Sequence[Symbol]]


@dataclass(frozen=True, slots=True)
class PromptContext:
    game: str = "l4d2"
    events: tuple[str, ...] = ()
    signatures: tuple[str, ...] = ()

    def notes(self) -> str:
        """The context as SourcePawn comment lines; empty when there is nothing beyond the game
        (then the prompt is the plain FIM format, and its head stays the file's own text)."""
        if not self.events and not self.signatures:
            return ""
        lines = [f"// Game: {GAME_NAMES.get(self.game, self.game)}"]
        if self.events:
            lines.append("// Events hooked in this file: " + ", ".join(self.events))
        if self.signatures:
            lines.append("// Signatures used here:")
            lines += [f"//   {s}" for s in self.signatures]
        return "\n".join(lines) + "\n"


def names_near(text: str, line: int) -> list[str]:
    """Names called (or declared as a type) within a few lines of `line`, nearest first."""
    lines = text.split("\n")
    lo, hi = max(0, line - NEAR_LINES_BEFORE), min(len(lines), line + NEAR_LINES_AFTER + 1)
    order = sorted(range(lo, hi), key=lambda i: abs(i - line))
    seen: dict[str, None] = {}
    for i in order:
        for pattern in (_CALLED, _TYPE_USE):
            for match in pattern.finditer(lines[i]):
                name = match.group(1)
                if name not in _KEYWORDS:
                    seen.setdefault(name)
    return list(seen)


def signatures_near(text: str, line: int, lookup: Lookup, defined_here: Callable[[str], bool]) -> tuple[str, ...]:
    """Signatures from the include index of what is used near the cursor (not what the file
    itself defines: the model sees that in the code)."""
    found: list[str] = []
    for name in names_near(text, line):
        if defined_here(name):
            continue
        symbols = [s for s in lookup(name) if s.kind in SIGNATURE_KINDS]
        if symbols:
            found.append(symbols[0].signature)
        if len(found) == MAX_SIGNATURES:
            break
    return tuple(sorted(found))  # sorted, not nearest-first: the prompt head changes less while typing


def build_context(
    text: str,
    line: int,
    game: str,
    hooked_events: Sequence[str],
    lookup: Lookup | None = None,
    defined_here: Callable[[str], bool] = lambda _: False,
) -> PromptContext:
    events = tuple(dict.fromkeys(e for e in hooked_events if e))
    signatures = signatures_near(text, line, lookup, defined_here) if lookup else ()
    return PromptContext(game, events, signatures)
