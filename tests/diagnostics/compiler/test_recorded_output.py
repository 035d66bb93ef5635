"""The output parser on everything a real compiler printed (fixtures/recorded: SourcePawn 1.12
and 1.13, our plugins and 43 corpus plugins; recordings.py says how they were made). What the
compiler itself says about its output is the yardstick: its `N Errors.` / `N Warnings.` summary
and its exit code."""

from __future__ import annotations

import re

import pytest
from spcopilot.diagnostics.compiler.locate import Compiler
from spcopilot.diagnostics.compiler.output import CARET_INDENT, parse_output
from spcopilot.diagnostics.model import Severity

from tests.diagnostics.compiler.recordings import Recorded, recorded_sets

SETS = recorded_sets()
RUNS = [(s, run) for s in SETS for run in s.runs()]
BY_SET = pytest.mark.parametrize("recorded", SETS, ids=lambda s: s.folder.name)
_SUMMARY = re.compile(r"^(\d+) (Error|Warning)s?\.$", re.M)


def summary(run: Recorded) -> tuple[int, int]:
    """(errors, warnings) as the compiler counted them: it prints the errors when there are
    any, else the warnings."""
    counts = {kind: int(n) for n, kind in _SUMMARY.findall(run.output)}
    return counts.get("Error", 0), counts.get("Warning", 0)


def test_the_recordings_are_there():
    names = {s.folder.name for s in SETS}
    assert names == {"spcomp-1.12", "spcomp-1.13", "corpus-1.12", "corpus-1.13"}
    assert {s.banner for s in SETS} == {"SourcePawn Compiler 1.12", "SourcePawn Compiler 1.13"}
    assert all(len(s.runs()) >= 24 for s in SETS)
    assert len({r.name for s in SETS if s.folder.name.startswith("corpus") for r in s.runs()}) >= 30


@BY_SET
def test_the_banner_identifies_the_compiler(recorded):
    banner = (recorded.folder / "banner.stdout").read_text(encoding="utf-8")
    parsed = parse_output(banner)
    assert parsed.banner == recorded.banner and parsed.messages == []
    assert Compiler(recorded.folder, parsed.banner).version in ("1.12", "1.13")


@BY_SET
def test_every_line_is_a_message_its_excerpt_and_caret_or_noise(recorded):
    for run in recorded.runs():
        assert parse_output(run.output).unrecognised == [], (run.name, run.output)


@BY_SET
def test_every_message_the_compiler_counted_is_read(recorded):
    """Repeats included: four `warning 213` on one line are four (the compiler counts four)."""
    for run in recorded.runs():
        out = parse_output(run.output)
        errors = [m for m in out.messages if m.severity is Severity.ERROR]
        warnings = [m for m in out.messages if m.severity is Severity.WARNING]
        expected_errors, expected_warnings = summary(run)
        assert len(errors) == expected_errors, (run.name, run.output)
        if not expected_errors:
            assert len(warnings) == expected_warnings, (run.name, run.output)


@BY_SET
def test_the_exit_code_agrees_with_the_errors_read(recorded):
    for run in recorded.runs():
        assert (run.exit_code != 0) == bool(parse_output(run.output).errors), run.name


@BY_SET
def test_no_source_excerpt_is_read_as_a_message(recorded):
    """Every message is on a file the compiler opened (under a recorded folder) or on none;
    an excerpt line (`    10 |     PrintToServer("x.sp(3) : error 001: fake")`) never is one."""
    roots = tuple(recorded.roots)
    for run in recorded.runs():
        for m in parse_output(run.output).messages:
            assert m.path == "" or m.path.startswith(roots), (run.name, m)
            assert " | " not in m.path


@BY_SET
def test_every_located_message_has_its_caret_and_the_caret_is_inside_its_excerpt(recorded):
    for run in recorded.runs():
        lines = run.output.splitlines()
        for m in parse_output(run.output).messages:
            if not m.located:
                assert m.caret is None
                continue
            assert m.caret is not None, (run.name, m)
            header = next(
                i for i, line in enumerate(lines) if line.startswith(f"{m.path}({m.line}) : ") and m.text[:20] in line
            )
            excerpt = next(line for line in lines[header + 1 :] if re.match(rf"^ *{m.line} \| ", line))
            assert m.caret <= len(excerpt.encode("utf-8", "surrogateescape")) - CARET_INDENT, (run.name, m)


def test_a_stray_declaration_line_after_a_deprecation_is_not_part_of_the_message():
    """`#pragma deprecated Don't …`: the apostrophe runs the text into the next line, which both
    versions print after the message (in the corpus: an older copy of SourceMod's halflife.inc)."""
    seen = 0
    for _, run in RUNS:
        out = parse_output(run.output)
        for m in out.messages:
            assert not re.search(r"native \w+ \w+\(", m.text), m
        if out.stray:
            seen += 1
            assert all(line.startswith("native ") for line in out.stray), out.stray
    assert seen == 3  # c06 under both versions; adminhelp.sp under 1.12 (1.13 stops earlier, in float.inc)
