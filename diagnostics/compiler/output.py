"""What `spcomp` prints, read into plain messages.

SourcePawn's compiler reports each finding on a line of its own::

    plugin.sp(12) : error 017: undefined symbol "RandomFloat"
    plugin.sp(20 -- 22) : warning 213: tag mismatch
    C:\\sm\\scripting\\include\\mine.inc(3) : fatal error 120: cannot read from file: "x"
    error 417: cannot read from file: "plugin.sp"

- the path is as the compiler opened it (relative to its working folder, or absolute; any
  drive letter, spaces or parentheses in folder names);
- `(A -- B)` is a range of lines (1.10), `(A)` a single line; lines are 1-based;
- a message may have no location at all (`error 417` for an empty file): `path` is "" and
  `line` 0, and the caller reports it on the file it compiled;
- 1.11+ follow a located message with the source line and a caret under the column, then a
  blank line::

      plugin.sp(12) : error 017: undefined symbol "RandomFloat"
          12 |     float f = RandomFloat(0.0, 1.0);
      -----------------------^

  The excerpt is `%6u | ` and the line with each tab printed as eight spaces; the caret line is
  9 dashes plus one per byte of the line before the column (eight per tab), then `^`. So the
  caret gives the column (`caret`: that width) and the excerpt is never read as a message,
  whatever the source line holds (`PrintToServer("x.sp(3) : error 001: fake")`): the lines
  after a message are tried as its excerpt and caret before anything else;
- with no excerpt (1.10), lines after a message that are neither a message, noise nor blank
  continue it; lines between a message and its excerpt are not part of it (a stray
  declaration line some builds print after `#pragma deprecated` warnings): kept in `stray`;
- the banner, `Code size:`-style statistics, `1 Error.` and `Compilation aborted.` are noise.

Anything else is kept as `unrecognised` so a caller can tell "printed garbage" from "printed
nothing". The compiler prints bytes of the source as they are (a message can quote half of a
UTF-8 character): message texts get U+FFFD for bytes that are not UTF-8, paths keep them
(surrogate escapes, as `os.fsdecode` does) so the file can still be opened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from spcopilot.diagnostics.model import Severity

_MESSAGE = re.compile(
    r"^(?:(?P<path>.+?)\((?P<line>\d+)(?:\s*--\s*(?P<end>\d+))?\)\s*:\s*)?"
    r"(?P<kind>fatal error|error|warning)\s+(?P<number>\d+)\s*:\s?(?P<text>.*)$",
    re.IGNORECASE,
)
_NOISE = re.compile(
    r"^(?:SourcePawn Compiler\b.*|Copyright \(c\).*|Usage:.*"
    r"|(?:Code|Data|Stack/heap|Header|Total requirements)(?: size)?\s*:.*"
    r"|\d+ (?:Errors?|Warnings?)\.?(?:,?\s*\d+ (?:Errors?|Warnings?)\.?)*|Compilation aborted\.?|Done\.)\s*$",
    re.IGNORECASE,
)
_EXCERPT = re.compile(r"^ *(?P<line>\d+) \| ?(?P<text>.*)$")
_ANY_EXCERPT = re.compile(r"^ *\d+ \| ")
_CARET = re.compile(r"^(?P<dashes>-*)\^\s*$")
CARET_INDENT = 9  # the dashes before column 1: the excerpt's `%6u | `


@dataclass(frozen=True, slots=True)
class CompilerMessage:
    """One finding as the compiler printed it (path as printed, "" when it gave none; lines
    1-based, inclusive, 0 when it gave none)."""

    path: str
    line: int
    end_line: int
    kind: str  # "error", "warning" or "fatal error"
    number: int
    text: str
    caret: int | None = None  # 1.11+: the column's width in the line (bytes, tabs 8); None: no caret

    @property
    def code(self) -> str:
        return f"spcomp-{self.number:03d}"

    @property
    def severity(self) -> Severity:
        return Severity.WARNING if self.kind == "warning" else Severity.ERROR

    @property
    def located(self) -> bool:
        return bool(self.path)

    def with_path(self, path: str) -> CompilerMessage:
        return replace(self, path=path)


@dataclass(slots=True)
class CompilerOutput:
    messages: list[CompilerMessage] = field(default_factory=list)
    unrecognised: list[str] = field(default_factory=list)  # lines that are neither messages nor noise
    stray: list[str] = field(default_factory=list)  # lines between a message and its excerpt
    banner: str = ""  # "SourcePawn Compiler 1.11.0.6911" when printed

    @property
    def errors(self) -> list[CompilerMessage]:
        return [m for m in self.messages if m.severity is Severity.ERROR]


class _Reader:
    """The message being read: its header, the lines after it, its excerpt and caret."""

    def __init__(self, out: CompilerOutput) -> None:
        self.out = out
        self.message: CompilerMessage | None = None
        self.parts: list[str] = []
        self.pending: list[str] = []  # after the header: continuation (1.10) or stray (1.11+)
        self.excerpt = False  # its excerpt was read; the caret comes next

    def start(self, message: CompilerMessage, text: str) -> None:
        self.finish()
        self.message, self.parts = message, [text]

    def takes(self, line: str) -> bool:
        """Whether `line` is the current message's excerpt or caret (read here)."""
        if self.message is None or not self.message.located:
            return False
        if not self.excerpt:
            excerpt = _EXCERPT.match(line)
            if excerpt and int(excerpt["line"]) == self.message.line:
                self.excerpt = True
                self.out.stray += self.pending
                self.pending = []
                return True
            return False
        caret = _CARET.match(line)
        if caret:
            self.message = replace(self.message, caret=max(0, len(caret["dashes"]) - CARET_INDENT))
            self.finish()
            return True
        return False

    def continues(self, stripped: str) -> bool:
        if self.message is None or self.excerpt:
            return False
        self.pending.append(stripped)
        return True

    def finish(self) -> None:
        if self.message is not None:
            text = " ".join(p for p in [*self.parts, *self.pending] if p)
            self.out.messages.append(replace(self.message, text=_readable(text)))
        self.message, self.parts, self.pending, self.excerpt = None, [], [], False


def parse_output(text: str) -> CompilerOutput:
    """Read a compiler's whole output (stdout and stderr together, any line endings)."""
    out = CompilerOutput()
    reader = _Reader(out)
    for raw in text.splitlines():
        line = raw.rstrip()
        if reader.takes(line):
            continue
        if _is_excerpt(line) or _CARET.match(line):  # one whose message was not read: never a message
            reader.finish()
            out.stray.append(line)
            continue
        match = _MESSAGE.match(line.lstrip("\ufeff"))
        if match:
            located = match["path"] is not None
            first = int(match["line"]) if located else 0
            end = int(match["end"] or first) if located else 0
            kind, number = match["kind"].lower(), int(match["number"])
            path = match["path"].strip() if located else ""
            reader.start(
                CompilerMessage(path, min(first, end), max(first, end), kind, number, ""), match["text"].strip()
            )
            continue
        stripped = line.strip()
        if not stripped or _NOISE.match(stripped):
            if stripped.lower().startswith("sourcepawn compiler") and not out.banner:
                out.banner = stripped
            reader.finish()
        elif not reader.continues(stripped):
            reader.finish()
            out.unrecognised.append(stripped)
    reader.finish()
    return out


def _is_excerpt(line: str) -> bool:
    """Whether `line` has the excerpt's form (`%6u | `: the number right-aligned in six)."""
    prefix = _ANY_EXCERPT.match(line)
    return prefix is not None and len(prefix[0]) >= CARET_INDENT


def _readable(text: str) -> str:
    """Text decoded with surrogate escapes, with U+FFFD for the bytes that are not UTF-8."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
