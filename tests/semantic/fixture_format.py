"""The compact fixture format of the semantic model's tests (one file holds many cases).

```
=== local in a block hides the global            <- a case: its name
@definition                                      <- the feature asked (and its argument, if any)
%! main.sp                                       <- a file (optional when there is only main.sp)
int foo;
void f() {
    { int foo; foo = 1; }
           ^^^                                   <- an expected range, in the code line above
                ^                                <- (marker lines stack under one code line)
                |                                <- the cursor
}
```

A marker line is made of spaces, `|` and `^` only, optionally followed by a tag
(`^^^ parameter.declaration` for a semantic token, `^ client:` for an inlay hint). Other
expectations are lines right after the feature line: `> text` (hover/signature contains the
text; call hierarchy: a caller's or callee's name), `+ label` / `- label` (completion offers /
does not offer the label), `! text` (rename is refused with a message containing the text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_MARKER = re.compile(r"^(\s*[|^][|^ ]*)(?:\s+([^|^\s].*))?$")


@dataclass(slots=True)
class Span:
    path: str
    line: int
    start: int  # byte columns
    end: int
    tag: str = ""


@dataclass(slots=True)
class Case:
    name: str
    source: str  # fixture file name
    line: int  # where the case starts in it
    feature: str
    argument: str = ""
    files: dict[str, str] = field(default_factory=dict)
    cursor: tuple[str, int, int] | None = None  # path, line, byte column
    spans: list[Span] = field(default_factory=list)
    expect: list[tuple[str, str]] = field(default_factory=list)  # (">" | "+" | "-" | "!", text)

    def __str__(self) -> str:
        return f"{self.source}:{self.line + 1}: {self.name}"


def is_marker(line: str) -> bool:
    m = _MARKER.match(line)
    return m is not None and bool(m.group(1).strip())


def parse_cases(text: str, source: str = "") -> list[Case]:
    cases: list[Case] = []
    current: Case | None = None
    path: str | None = None
    code_line: dict[str, int] = {}  # path -> index of the last code line
    lines_of: dict[str, list[str]] = {}
    in_header = False

    def finish() -> None:
        if current is not None:
            current.files = {p: "\n".join(ls) + "\n" for p, ls in lines_of.items()}

    for number, raw in enumerate(text.split("\n")):
        if raw.startswith("=== "):
            finish()
            current = Case(raw[4:].strip(), source, number, "")
            cases.append(current)
            path, code_line, lines_of, in_header = None, {}, {}, True
            continue
        if current is None:
            continue
        if in_header:
            if raw.startswith("@"):
                feature, _, argument = raw[1:].partition(" ")
                current.feature, current.argument = feature.strip(), argument.strip()
                continue
            if raw[:2] in ("> ", "+ ", "- ", "! ") or raw in (">", "+", "-", "!"):
                current.expect.append((raw[0], raw[2:].rstrip()))
                continue
            in_header = False
            if not raw.startswith("%! ") and not raw.strip():
                continue
        if raw.startswith("%! "):
            path = raw[3:].strip()
            lines_of[path] = []
            continue
        if path is None:
            path = "main.sp"
            lines_of[path] = []
        if is_marker(raw) and path in code_line:
            m = _MARKER.match(raw)
            assert m is not None
            marks, tag = m.group(1), (m.group(2) or "").strip()
            row = code_line[path]
            code = lines_of[path][row]
            if "|" in marks:
                current.cursor = (path, row, _byte_column(code, marks.index("|")))
            for run in re.finditer(r"\^+", marks):
                current.spans.append(
                    Span(path, row, _byte_column(code, run.start()), _byte_column(code, run.end()), tag)
                )
            continue
        lines_of[path].append(raw)
        code_line[path] = len(lines_of[path]) - 1
    finish()
    for case in cases:
        if not case.feature:
            raise ValueError(f"{case}: no @feature line")
    return cases


def _byte_column(line: str, column: int) -> int:
    return len(line[:column].encode("utf-8"))


def load(folder: Path) -> list[Case]:
    out: list[Case] = []
    for path in sorted(folder.glob("*.txt")):
        out += parse_cases(path.read_text(encoding="utf-8"), path.name)
    return out


def write_case(case: Case, root: Path) -> None:
    """The case's files under `root`."""
    for relative, text in case.files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
