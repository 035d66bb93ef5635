"""Compiler messages as diagnostics (ranges over the reported lines) and merged with the
engine's findings (a duplicate on the same line is dropped in favour of ours)."""

from __future__ import annotations

from dataclasses import replace

from spcopilot.diagnostics import lint
from spcopilot.diagnostics.compiler.findings import merged, to_diagnostics, without_duplicates
from spcopilot.diagnostics.compiler.output import CompilerMessage
from spcopilot.diagnostics.model import Severity

PLUGIN = b"""#include <sourcemod>
public void OnPluginStart()
{
    float f = RandomFloat(0.0, 1.0);
    int hp = GetClientHP(1);
    HookEvent("pounce", OnPounce);
}
public void OnPounce(Event e, const char[] n, bool d) {}
"""


def reader(texts: dict[str, bytes]):
    return lambda path: texts.get(path)


def message(line: int, text: str, number: int = 17, end: int | None = None, path: str = "/p/plugin.sp"):
    return CompilerMessage(path, line, end or line, "error", number, text)


def test_a_message_covers_its_line_from_the_first_to_the_last_non_blank_character():
    [d] = to_diagnostics([message(4, 'undefined symbol "RandomFloat"')], reader({"/p/plugin.sp": PLUGIN}))
    assert (d.code, d.rule, d.severity, d.path) == ("spcomp-017", "spcomp", Severity.ERROR, "/p/plugin.sp")
    assert PLUGIN[d.start_byte : d.end_byte] == b"float f = RandomFloat(0.0, 1.0);"
    assert (d.range.start.line, d.range.start.character) == (3, 4)
    assert (d.range.end.line, d.range.end.character) == (3, 36)
    assert d.fix is None


def test_a_range_of_lines_and_lines_past_the_end_clamp():
    texts = reader({"/p/plugin.sp": PLUGIN})
    [span, past] = to_diagnostics([message(2, "x", 1, end=3), message(99, "eof", 2)], texts)
    assert (span.range.start.line, span.range.end.line) == (1, 2)
    assert PLUGIN[span.start_byte : span.end_byte] == b"public void OnPluginStart()\n{"
    assert past.range.start.line == past.range.end.line == PLUGIN.count(b"\n")  # the empty last line


def test_columns_are_utf16_code_units_on_lines_with_non_ascii_text():
    source = 'public void F()\n{\n    PrintToChatAll("Привет 🙂"); x\n}\n'.encode()
    [d] = to_diagnostics([message(3, 'undefined symbol "x"')], reader({"/p/plugin.sp": source}))
    assert d.range.end.character == len('    PrintToChatAll("Привет 🙂"); x'.encode("utf-16-le")) // 2


def test_an_unreadable_file_still_gives_a_diagnostic_on_its_path():
    [d] = to_diagnostics([message(3, "x", path="/gone.inc")], reader({}))
    assert (d.path, d.range.start.line, d.start_byte) == ("/gone.inc", 0, 0)


def test_every_message_the_compiler_printed_is_a_finding_repeats_included():
    # 1.10 prints no column: two "tag mismatch" on one line are still two (the compiler counts both)
    found = to_diagnostics([message(4, "a"), message(4, "a"), message(4, "b")], reader({"/p/plugin.sp": PLUGIN}))
    assert [d.message for d in found] == ["a", "a", "b"]


def test_a_compiler_error_that_repeats_one_of_ours_is_dropped_and_others_are_kept():
    ours = [replace(d, path="/p/plugin.sp") for d in lint(PLUGIN, "/p/plugin.sp")]
    assert {d.code for d in ours} == {"SPC101", "SPC201"}
    texts = reader({"/p/plugin.sp": PLUGIN})
    compiler = to_diagnostics(
        [
            message(4, 'undefined symbol "RandomFloat"'),  # ours: SPC101, with its fix -> dropped
            message(5, 'undefined symbol "GetClientHP"'),  # nothing of ours on that line -> kept
            message(4, "tag mismatch", 213),  # no name quoted: not a provable repeat -> kept
            message(6, 'undefined symbol "OnPounce"'),  # ours is on this line, but about "pounce" -> kept
        ],
        texts,
    )
    kept = without_duplicates(compiler, ours, texts)
    assert [(d.range.start.line, d.message) for d in kept] == [
        (4, 'undefined symbol "GetClientHP"'),
        (3, "tag mismatch"),
        (5, 'undefined symbol "OnPounce"'),
    ]
    combined = merged(ours, compiler, texts)
    assert [d.code for d in combined] == ["SPC101", "spcomp-213", "spcomp-017", "SPC201", "spcomp-017"]


def test_a_finding_on_another_file_is_never_a_duplicate():
    texts = reader({"/p/plugin.sp": PLUGIN, "/p/other.sp": PLUGIN})
    ours = [replace(d, path="/p/plugin.sp") for d in lint(PLUGIN, "/p/plugin.sp")]
    compiler = to_diagnostics([message(4, 'undefined symbol "RandomFloat"', path="/p/other.sp")], texts)
    assert without_duplicates(compiler, ours, texts) == compiler
