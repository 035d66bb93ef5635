"""Every rule against its fixture: exact findings on the positives, none on the negatives,
and its fixes applied until stable match the `.fixed.sp` snapshot (and are idempotent)."""

from __future__ import annotations

from pathlib import Path

import pytest
from spcopilot.diagnostics import Config
from spcopilot.diagnostics.fixes import fix_until_stable
from spcopilot.diagnostics.linter import Linter
from spcopilot.diagnostics.rules import all_rules

from .fixture import FIXTURES, Fixture, all_fixtures, load

RULE_CODES = [r.code for r in all_rules()]


def write(fixture: Fixture, root: Path) -> Path:
    for rel, text in fixture.files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    main = root / "main.sp"
    main.write_text(fixture.main, encoding="utf-8")
    return main


def linter_for(fixture: Fixture, root: Path) -> Linter:
    return Linter(Config(select=fixture.rules, include_dirs=(root / "include",)), cache_dir=root / ".cache")


@pytest.mark.parametrize("code", RULE_CODES)
def test_every_rule_has_a_fixture_with_negatives(code: str) -> None:
    path = FIXTURES / f"{code}.sp"
    assert path.is_file(), f"{code} has no fixture at {path}"
    fixture = load(path)
    assert [e for e in fixture.expected if e.code == code], f"{code}: no positive case marked"
    assert fixture.negatives_from_line is not None, f"{code}: no `// ---- negatives` section"
    body = fixture.main.split("\n")[fixture.negatives_from_line + 1 :]
    assert any(line.strip() and not line.strip().startswith("//") for line in body), f"{code}: empty negatives"


@pytest.mark.parametrize("path", all_fixtures(), ids=lambda p: p.stem)
def test_findings_match_markers(path: Path, tmp_path: Path) -> None:
    fixture = load(path)
    main = write(fixture, tmp_path)
    found = Linter(
        Config(select=fixture.rules, include_dirs=(tmp_path / "include",)), cache_dir=tmp_path / ".cache"
    ).lint_file(main)
    lines = fixture.main.split("\n")
    got = []
    for d in found:
        start = d.start_byte - sum(len(line.encode()) + 1 for line in lines[: d.range.start.line])
        end_same_line = d.range.end.line == d.range.start.line
        end = start + (d.end_byte - d.start_byte) if end_same_line else None
        got.append((d.code, d.range.start.line, start, end))
    expected = [(e.code, e.line, e.start, e.end) for e in fixture.expected]
    # A marker to the end of the line also accepts a range that ends exactly there.
    normalised = []
    for code, line, start, end in got:
        eol = len(lines[line].encode())
        if end == eol and (code, line, start, None) in expected:
            end = None
        normalised.append((code, line, start, end))
    assert sorted(normalised) == sorted(expected), "\n" + "\n".join(
        f"  {d.code} {d.range.start.line + 1}:{d.range.start.character}: {d.message}" for d in found
    )


@pytest.mark.parametrize("code", RULE_CODES)
def test_fix_round_trip(code: str, tmp_path: Path) -> None:
    rule = next(r for r in all_rules() if r.code == code)
    path = FIXTURES / f"{code}.sp"
    fixed_path = FIXTURES / f"{code}.fixed.sp"
    if not rule.fixable:
        assert not fixed_path.exists(), f"{code} is not fixable but has {fixed_path.name}"
        return
    assert fixed_path.is_file(), f"{code} offers fixes: write {fixed_path.name}"
    fixture = load(path)
    main = write(fixture, tmp_path)
    linter = Linter(Config(select=fixture.rules, include_dirs=(tmp_path / "include",)), cache_dir=tmp_path / ".cache")
    lint = lambda source: [d for d in linter.lint_source(source, main) if d.code == code]  # noqa: E731
    result = fix_until_stable(main.read_bytes(), lint, unsafe=True)
    assert result.applied, f"{code}: no fix was applied to the fixture"
    assert result.source.decode() == fixed_path.read_text(encoding="utf-8")
    again = fix_until_stable(result.source, lint, unsafe=True)
    assert again.source == result.source and not again.applied, "fixing twice changed the file again"
