"""Our plugins' recorded compiler output (fixtures/recorded/spcomp-1.12 and -1.13) as findings on
their sources (fixtures/plugins): what the compiler printed, on the right file, line and
column, each message once per time it was printed, and nothing made of a source excerpt."""

from __future__ import annotations

from pathlib import Path

import pytest
from spcopilot.diagnostics.compiler.findings import to_diagnostics
from spcopilot.diagnostics.compiler.output import CARET_INDENT, CompilerMessage, parse_output
from spcopilot.diagnostics.model import Diagnostic, Position, Severity

from tests.diagnostics.compiler.recordings import FIXTURES, ROOTS, RecordedSet, recorded_set

VERSIONS = [recorded_set("spcomp-1.12"), recorded_set("spcomp-1.13")]
PLUGINS = FIXTURES / "plugins"


def on_fixtures(recorded: RecordedSet, name: str) -> str:
    """The run's output with the recorded folders replaced by the fixtures' own."""
    text = recorded.run(name).output
    for folder, root in recorded.roots.items():
        if root in ROOTS:
            text = text.replace(folder, str(ROOTS[root]))
    return text


def disk(path: str) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


def findings(recorded: RecordedSet, name: str) -> list[Diagnostic]:
    return to_diagnostics(parse_output(on_fixtures(recorded, name)).messages, disk)


def line_of(path: Path, number: int) -> str:
    """1-based line `number` of `path` as text (no line ending)."""
    return path.read_bytes().split(b"\n")[number - 1].rstrip(b"\r").decode("utf-8")


def column_of(path: Path, number: int, token: str, occurrence: int = 1) -> int:
    """UTF-16 column of the `occurrence`th `token` on 1-based line `number`."""
    line, at = line_of(path, number), -1
    for _ in range(occurrence):
        at = line.index(token, at + 1)
    return len(line[:at].encode("utf-16-le")) // 2


def starts(found: list[Diagnostic]) -> list[tuple[int, int]]:
    return [(d.range.start.line, d.range.start.character) for d in found]


@pytest.fixture(params=VERSIONS, ids=lambda s: s.banner.split()[-1])
def version(request: pytest.FixtureRequest) -> RecordedSet:
    return request.param


def test_a_source_line_with_compiler_like_text_is_not_a_finding(version):
    """c09: `PrintToServer("x.sp(3) : error 001: fake"); int k = nothere;` -> the one real error."""
    [d] = findings(version, "c09_fake_messages")
    plugin = PLUGINS / "c09_fake_messages.sp"
    assert (d.code, d.message, d.path) == ("spcomp-017", 'undefined symbol "nothere"', str(plugin))
    assert starts([d]) == [(9, column_of(plugin, 10, "nothere"))]
    out = parse_output(on_fixtures(version, "c09_fake_messages"))
    assert len(out.messages) == 1 and out.unrecognised == [] and out.stray == []


def test_a_message_without_a_location_is_read(version):
    """c01, an empty file: `error 417: cannot read from file: "…/c01_empty.sp"` (no path, no
    line): a message all the same (run.py puts it on the file compiled)."""
    [m] = parse_output(on_fixtures(version, "c01_empty")).messages
    assert (m.path, m.line, m.kind, m.number, m.caret) == ("", 0, "error", 417, None)
    assert m.text == f'cannot read from file: "{PLUGINS / "c01_empty.sp"}"'


def test_four_tag_mismatches_on_one_line_are_four_findings_at_their_columns(version):
    plugin = PLUGINS / "c04_tag_mismatch_x4.sp"
    found = findings(version, "c04_tag_mismatch_x4")
    assert [d.code for d in found] == ["spcomp-213"] * 4 + ["spcomp-253"] * 4
    assert all(d.severity is Severity.WARNING for d in found)
    assert starts(found[:4]) == [(14, column_of(plugin, 15, f"b{i}")) for i in range(1, 5)]
    assert starts(found[4:]) == [(15, column_of(plugin, 16, "i", n)) for n in range(1, 5)]  # FourShapes(i, i, i, i)
    assert [plugin.read_bytes()[d.start_byte : d.end_byte] for d in found[:4]] == [b"b1", b"b2", b"b3", b"b4"]


def test_two_invalid_expressions_on_one_line_are_two_findings(version):
    plugin = PLUGINS / "c05_two_029.sp"
    found = findings(version, "c05_two_029")
    assert [(d.code, d.message) for d in found] == [("spcomp-029", "invalid expression, assumed zero")] * 2
    assert starts(found) == [(6, column_of(plugin, 7, ")")), (6, column_of(plugin, 7, ")", 2))]


def test_undefined_names_on_one_line_each_cover_their_name(version):
    plugin = PLUGINS / "c16_three_on_a_line.sp"
    found = findings(version, "c16_three_on_a_line")
    assert [plugin.read_bytes()[d.start_byte : d.end_byte] for d in found] == [b"x1", b"x2", b"x3", b"x4", b"after"]
    assert [d.range.end.character - d.range.start.character for d in found] == [2, 2, 2, 2, 5]


def test_deprecation_messages_and_the_stray_declaration_line(version):
    """The stray `native void QuotedNative(int client);` line is not glued onto the message."""
    found = findings(version, "c06_deprecated")
    assert [d.message for d in found] == [
        'symbol "OldWay" is marked as deprecated: Use NewWay() instead',
        'symbol "GetClientAuthString" is marked as deprecated: Use GetClientAuthId',
        'symbol "FloatMul" is marked as deprecated: This native is internal implementation. For multiplication '
        "use the '*' operator.",
        """symbol "NextNative" is marked as deprecated: Don't call this, use NewWay()""",
        'symbol "OnServerCfg" is marked as deprecated: Use OnConfigsExecuted() instead',
        'symbol "AskPluginLoad" is marked as deprecated: Use AskPluginLoad2() instead',
    ]
    assert parse_output(on_fixtures(version, "c06_deprecated")).stray == ["native void QuotedNative(int client);"]


def test_the_12_compiler_counts_lines_wrong_after_a_runaway_deprecation_and_13_does_not(version):
    """After the swallowed line, 1.12 reports every later message one line early (its excerpt
    shows that earlier line too); we report where the compiler says. 1.13 is right."""
    plugin = PLUGINS / "c06_deprecated.sp"
    [old_way] = [d for d in findings(version, "c06_deprecated") if '"OldWay"' in d.message]
    right = 20  # 0-based: `    OldWay(1);`
    assert old_way.range.start.line == (right - 1 if version.banner.endswith("1.12") else right)
    assert line_of(plugin, right + 1).strip() == "OldWay(1);"


def test_tabs_count_as_the_compiler_counts_them(version):
    plugin = PLUGINS / "c12_tabs.sp"
    found = findings(version, "c12_tabs")
    assert [plugin.read_bytes()[d.start_byte : d.end_byte] for d in found] == [b"nothere", b"RandomFloat"]
    assert starts(found) == [(7, 28), (10, 7)]  # 2 tabs + 26 characters; 3 tabs + `a = `


def test_a_non_ascii_path_and_text_before_the_column(version):
    plugin = PLUGINS / "c10 пути с пробелами" / "спасение выживших.sp"
    [d] = findings(version, "c10")
    assert d.path == str(plugin) and d.message == 'undefined symbol "nothere"'
    assert starts([d]) == [(6, column_of(plugin, 7, "nothere"))]  # UTF-16 units after Cyrillic and an emoji
    assert plugin.read_bytes()[d.start_byte : d.end_byte] == b"nothere"


def test_half_a_utf8_character_in_a_message_is_replaced_not_passed_on(version):
    """`char имя[8]`: the compiler quotes the first byte of `и` (`found "\\xd0"`)."""
    found = findings(version, "c18_non_ascii_identifier")
    assert found[0].message == 'expected token: "-identifier-", but found "\ufffd"'
    assert all(d.message.encode("utf-8") for d in found)  # encodable: no lone surrogates
    assert len(found) == 3


def test_a_caret_past_the_end_of_its_line_stops_at_the_line_end(version):
    """c19: a multi-line `#pragma deprecated` throws 1.12's line count off by one: it blames the
    `{` line with the column of each call on the next line, so the caret is past that line's
    end (an empty range at the end of `{`). 1.13 blames the calls, each at its `(`."""
    plugin = PLUGINS / "c19_deprecated_pragmas.sp"
    found = findings(version, "c19_deprecated_pragmas")
    if version.banner.endswith("1.12"):
        assert [(d.range.start, d.range.end) for d in found] == [(Position(10, 1), Position(10, 1))] * 3
        assert line_of(plugin, 11) == "{"
    else:
        assert starts(found) == [(11, column_of(plugin, 12, "(", n)) for n in (1, 2, 3)]


def test_crlf_line_endings(version):
    plugin = PLUGINS / "c20_crlf.sp"
    found = findings(version, "c20_crlf")
    assert [plugin.read_bytes()[d.start_byte : d.end_byte] for d in found] == [b"(", b"unused"]  # a call: at its `(`
    assert starts(found) == [(5, 6), (5, column_of(plugin, 6, "unused"))]


def test_findings_in_include_files_and_part_files_are_on_those_files(version):
    part = findings(version, "c13_part_file")
    assert [(Path(d.path).relative_to(PLUGINS).as_posix(), d.range.start.line) for d in part] == [
        ("c13_parts/hud.sp", 3)
    ]
    includes = findings(version, "c07_include_warnings")
    assert sorted({d.path for d in includes}) == [
        str(PLUGINS / "include" / "c07_local.inc"),
        str(FIXTURES / "vendor-include" / "c07_vendor.inc"),
    ]


def test_every_range_starts_where_the_caret_points(version):
    """Checked against the excerpt the compiler printed, for every message of every plugin:
    from our start to the end of the line, tabs written as the compiler writes them, is the
    excerpt from its caret on."""
    for run in version.runs():
        text = on_fixtures(version, run.name)
        lines = text.splitlines()
        messages = parse_output(text).messages
        for m, d in zip(messages, to_diagnostics(messages, disk), strict=True):
            if m.caret is None:
                continue
            source = disk(m.path) or b""
            line_end = source.find(b"\n", d.start_byte)
            rest = source[d.start_byte : line_end if line_end >= 0 else len(source)].rstrip(b"\r")
            printed = _excerpt_after(lines, m).encode("utf-8", "surrogateescape")[CARET_INDENT + m.caret :]
            assert rest.replace(b"\t", b" " * 8) == printed, (run.name, m, rest, printed)


def _excerpt_after(lines: list[str], m: CompilerMessage) -> str:
    header = next(
        i for i, line in enumerate(lines) if line.startswith(f"{m.path}({m.line}) : ") and m.text[:15] in line
    )
    return next(line for line in lines[header + 1 :] if line.lstrip().startswith(f"{m.line} | "))
