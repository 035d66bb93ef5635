"""What `spcomp` prints, read into plain messages.

SourcePawn's compiler reports one finding per line::

    plugin.sp(12) : error 017: undefined symbol "RandomFloat"
    plugin.sp(20 -- 22) : warning 213: tag mismatch
    C:\\sm\\scripting\\include\\mine.inc(3) : fatal error 120: cannot read from file: "x"

- the path is as the compiler opened it (relative to its working folder, or absolute; any
  drive letter, spaces or parentheses in folder names);
- `(A -- B)` is a range of lines, `(A)` a single line; lines are 1-based; there is no column;
- a message may continue on the following lines (indented or not) until the next message,
  a blank line, a source excerpt or the compiler's own summary;
- newer compilers (1.11+) follow a message with an excerpt of the line and a caret
  (`  12 |     x = RandomFloat();` and `-----^`): skipped, since we show the range ourselves;
- the banner, `Code size:`-style statistics, `1 Error.` and `Compilation aborted.` are noise.

Anything else is kept as `unrecognised` so a caller can tell "printed garbage" from "printed
nothing".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from spcopilot.diagnostics.model import Severity

_MESSAGE = re.compile(
    r"^(?P<path>.+?)\((?P<line>\d+)(?:\s*--\s*(?P<end>\d+))?\)\s*:\s*"
    r"(?P<kind>fatal error|error|warning)\s+(?P<number>\d+)\s*:\s?(?P<text>.*)$",
    re.IGNORECASE,
)
_NOISE = re.compile(
    r"^(?:SourcePawn Compiler\b.*|Copyright \(c\).*|Usage:.*"
    r"|(?:Code|Data|Stack/heap|Header|Total requirements)(?: size)?\s*:.*"
    r"|\d+ (?:Errors?|Warnings?)\.?(?:,?\s*\d+ (?:Errors?|Warnings?)\.?)*|Compilation aborted\.?)\s*$",
    re.IGNORECASE,
)
_EXCERPT = re.compile(r"^\s*\d+\s*\|(?:\s|$)|^\s*-*\^\s*$")


@dataclass(frozen=True, slots=True)
class CompilerMessage:
    """One finding as the compiler printed it (path as printed; lines 1-based, inclusive)."""

    path: str
    line: int
    end_line: int
    kind: str  # "error", "warning" or "fatal error"
    number: int
    text: str

    @property
    def code(self) -> str:
        return f"spcomp-{self.number:03d}"

    @property
    def severity(self) -> Severity:
        return Severity.WARNING if self.kind == "warning" else Severity.ERROR

    def with_path(self, path: str) -> CompilerMessage:
        return replace(self, path=path)


@dataclass(slots=True)
class CompilerOutput:
    messages: list[CompilerMessage] = field(default_factory=list)
    unrecognised: list[str] = field(default_factory=list)  # lines that are neither messages nor noise
    banner: str = ""  # "SourcePawn Compiler 1.11.0.6911" when printed

    @property
    def errors(self) -> list[CompilerMessage]:
        return [m for m in self.messages if m.severity is Severity.ERROR]


def parse_output(text: str) -> CompilerOutput:
    """Read a compiler's whole output (stdout and stderr together, any line endings)."""
    out = CompilerOutput()
    current: CompilerMessage | None = None  # the message being read, until it ends
    parts: list[str] = []

    def finish() -> None:
        nonlocal current
        if current is not None:
            out.messages.append(replace(current, text=" ".join(p for p in parts if p)))
        current = None

    for raw in text.splitlines():
        line = raw.rstrip()
        match = _MESSAGE.match(line.lstrip("\ufeff"))
        if match:
            finish()
            first, end = int(match["line"]), int(match["end"] or match["line"])
            kind, number = match["kind"].lower(), int(match["number"])
            current = CompilerMessage(match["path"].strip(), min(first, end), max(first, end), kind, number, "")
            parts = [match["text"].strip()]
            continue
        stripped = line.strip()
        if not stripped or _EXCERPT.match(line) or _NOISE.match(stripped):
            if stripped.lower().startswith("sourcepawn compiler") and not out.banner:
                out.banner = stripped
            finish()
        elif current is not None:
            parts.append(stripped)
        else:
            out.unrecognised.append(stripped)
    finish()
    return out
