"""Rule fixtures: real SourcePawn files with the expected findings marked under the code.

```sourcepawn
    HookEvent("pounce", Event_Pounce);
    //        ^^^^^^^^ SPC201
// ---- negatives
    StrContains(name, "pounce");        // no marker: must not be reported
```
A marker line is a `//` comment whose carets sit under the columns (UTF-8 bytes) of the
expected range on the closest code line above it; several markers may follow one code line.
A range that continues past the end of its first line is marked to the end of that line.
The `// ---- negatives` line separates the positive cases from legitimate lookalikes (every
fixture must have some). `// %! path/inside.inc` starts another file of the fixture (the first
section is `main.sp`); the fixture's `include/` folder is an include directory.
A first line `// fixture: select SPC801, SPC201` runs those rules with the fixture's own (for a
rule about other rules' findings); by default only the fixture's rule runs.
`SPCnnn.fixed.sp` next to the fixture is the expected result of applying every fix of that rule
(safe and unsafe) until stable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
MARKER = re.compile(r"^(\s*)//(\s*)(\^+)\s+(SPC\d{3})\s*$")
NEGATIVES = re.compile(r"^\s*// ---- negatives")
FILE_SPLIT = re.compile(r"^// %! (\S+)\s*$")
SELECT = re.compile(r"^// fixture: select ([A-Z0-9, ]+)$")


@dataclass
class Expected:
    code: str
    line: int
    start: int
    end: int | None  # None: to the end of the line or beyond


@dataclass
class Fixture:
    code: str
    main: str
    files: dict[str, str] = field(default_factory=dict)
    expected: list[Expected] = field(default_factory=list)
    negatives_from_line: int | None = None
    select: tuple[str, ...] = ()

    @property
    def rules(self) -> tuple[str, ...]:
        """The rule codes the fixture runs."""
        return self.select or (self.code,)


def load(path: Path) -> Fixture:
    text = path.read_text(encoding="utf-8")
    sections: dict[str, list[str]] = {"main.sp": []}
    current = "main.sp"
    for line in text.split("\n"):
        m = FILE_SPLIT.match(line)
        if m:
            current = m.group(1)
            sections[current] = []
            continue
        sections[current].append(line)
    main_lines = sections.pop("main.sp")
    fixture = Fixture(path.stem, "\n".join(main_lines), {k: "\n".join(v) for k, v in sections.items()})
    select = SELECT.match(main_lines[0]) if main_lines else None
    if select:
        fixture.select = tuple(c.strip() for c in select.group(1).split(",") if c.strip())
    last_code = None
    for number, line in enumerate(main_lines):
        if NEGATIVES.match(line) and fixture.negatives_from_line is None:
            fixture.negatives_from_line = number
        m = MARKER.match(line)
        if m and last_code is not None:
            start = line.index("^")
            end = start + len(m.group(3))
            code_line = main_lines[last_code]
            to_eol = end >= len(code_line.rstrip("\r")) and end > len(code_line.rstrip())
            fixture.expected.append(Expected(m.group(4), last_code, start, None if to_eol else end))
        elif not m:
            last_code = number
    return fixture


def all_fixtures() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("SPC*.sp") if not p.name.endswith(".fixed.sp"))
