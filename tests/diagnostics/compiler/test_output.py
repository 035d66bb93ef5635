"""The compiler-output parser against real spcomp output lines, written here by hand: the
formats of SourcePawn 1.10 (banner, `N Errors.`), 1.11+ (source excerpt with a caret), line
ranges, fatal errors, continuation lines, include paths, Windows paths and non-ASCII names."""

from __future__ import annotations

from spcopilot.diagnostics.compiler.output import CompilerMessage, parse_output
from spcopilot.diagnostics.model import Severity

SM_110 = """\
SourcePawn Compiler 1.10.0.6528
Copyright (c) 1997-2006 ITB CompuPhase
Copyright (c) 2004-2018 AlliedModders LLC

/home/srv/scripting/tank_hp.sp(12) : error 017: undefined symbol "RandomFloat"
/home/srv/scripting/tank_hp.sp(30) : warning 213: tag mismatch
/home/srv/scripting/tank_hp.sp(41 -- 43) : error 001: expected token: ";", but found "return"

2 Errors.
"""


def test_sourcemod_110_output():
    out = parse_output(SM_110)
    assert out.banner == "SourcePawn Compiler 1.10.0.6528"
    assert out.unrecognised == []
    assert out.messages == [
        CompilerMessage("/home/srv/scripting/tank_hp.sp", 12, 12, "error", 17, 'undefined symbol "RandomFloat"'),
        CompilerMessage("/home/srv/scripting/tank_hp.sp", 30, 30, "warning", 213, "tag mismatch"),
        CompilerMessage(
            "/home/srv/scripting/tank_hp.sp", 41, 43, "error", 1, 'expected token: ";", but found "return"'
        ),
    ]
    assert [m.code for m in out.messages] == ["spcomp-017", "spcomp-213", "spcomp-001"]
    assert [m.severity for m in out.messages] == [Severity.ERROR, Severity.WARNING, Severity.ERROR]
    assert len(out.errors) == 2


def test_excerpts_and_carets_of_newer_compilers_are_not_part_of_the_message():
    out = parse_output(
        'plugin.sp(7) : error 017: undefined symbol "GetClientHP"\n'
        "   7 |     int hp = GetClientHP(client);\n"
        "---------------^\n"
        "\n"
        'plugin.sp(9) : warning 204: symbol is assigned a value that is never used: "hp"\n'
        "   9 |     hp = 0;\n"
        "-----------^\n"
        "\n1 Error.\n"
    )
    assert [(m.line, m.number, m.text) for m in out.messages] == [
        (7, 17, 'undefined symbol "GetClientHP"'),
        (9, 204, 'symbol is assigned a value that is never used: "hp"'),
    ]
    assert out.unrecognised == []


def test_fatal_error_in_an_include_file_and_compilation_aborted():
    out = parse_output(
        "/srv/sm/scripting/include/left4dhooks.inc(88) : fatal error 120: cannot read from file: "
        '"left4dhooks_silver"\n\nCompilation aborted.\n'
    )
    [m] = out.messages
    assert m.path == "/srv/sm/scripting/include/left4dhooks.inc"
    assert (m.kind, m.number, m.severity) == ("fatal error", 120, Severity.ERROR)
    assert m.text == 'cannot read from file: "left4dhooks_silver"'


def test_messages_continued_on_the_next_lines():
    out = parse_output(
        "witch.sp(15) : error 100: function prototypes do not match\n"
        "    expected: public void OnWitchSpawn(Event event, const char[] name, bool dontBroadcast)\n"
        'witch.sp(20) : warning 234: symbol "FloatMul" is marked as deprecated:\n'
        "Use the * operator instead.\n"
        "\n2 Errors.\n"
    )
    assert [m.text for m in out.messages] == [
        "function prototypes do not match expected: public void OnWitchSpawn(Event event, const char[] name, "
        "bool dontBroadcast)",
        'symbol "FloatMul" is marked as deprecated: Use the * operator instead.',
    ]


def test_windows_paths_with_drive_letters_spaces_and_parentheses():
    out = parse_output(
        "C:\\Program Files (x86)\\Steam\\l4d2\\addons\\sourcemod\\scripting\\ammo.sp(3) : "
        'error 017: undefined symbol "x"\r\n'
        'D:\\sm\\scripting\\include\\mine.inc(10 -- 11) : warning 219: local variable "i" shadows a variable\r\n'
        "\r\n1 Error.\r\n"
    )
    assert [(m.path, m.line, m.end_line) for m in out.messages] == [
        ("C:\\Program Files (x86)\\Steam\\l4d2\\addons\\sourcemod\\scripting\\ammo.sp", 3, 3),
        ("D:\\sm\\scripting\\include\\mine.inc", 10, 11),
    ]
    assert out.messages[0].text == 'undefined symbol "x"'  # no trailing \r


def test_non_ascii_file_names():
    out = parse_output('/home/игрок/plugins/спасение_выживших.sp(4) : warning 203: symbol is never used: "ñ"\n')
    [m] = out.messages
    assert m.path == "/home/игрок/plugins/спасение_выживших.sp"
    assert m.text == 'symbol is never used: "ñ"'


def test_statistics_and_summaries_are_noise():
    out = parse_output(
        "SourcePawn Compiler 1.11.0.6911\nCopyright (c) 1997-2006 ITB CompuPhase\n\n"
        "Code size:             4012 bytes\nData size:             2432 bytes\n"
        "Stack/heap size:      16384 bytes\nTotal requirements:   22828 bytes\n\n1 Warning.\n"
    )
    assert out.messages == [] and out.unrecognised == []
    assert out.banner == "SourcePawn Compiler 1.11.0.6911"


def test_a_reversed_range_is_ordered_and_a_blank_line_ends_a_message():
    out = parse_output("a.sp(9 -- 7) : error 029: invalid expression, assumed zero\n\nstray words\n")
    [m] = out.messages
    assert (m.line, m.end_line, m.text) == (7, 9, "invalid expression, assumed zero")
    assert out.unrecognised == ["stray words"]


def test_garbage_is_kept_as_unrecognised_not_read_as_messages():
    out = parse_output("Segmentation fault (core dumped)\nerror: something(12) happened\n")
    assert out.messages == []
    assert out.unrecognised == ["Segmentation fault (core dumped)", "error: something(12) happened"]


def test_an_excerpt_is_read_only_right_after_its_message_and_never_as_a_message():
    out = parse_output(
        'x.sp(4) : error 017: undefined symbol "nothere"\n'
        '     4 |     PrintToServer("x.sp(3) : error 001: fake"); int k = nothere;\n'
        "---------------------------------------------------------------^\n"
        "\n"
        '     9 |     PrintToServer("y.sp(9) : warning 213: tag mismatch");\n'  # an excerpt without its message
        "---------^\n"
    )
    [m] = out.messages
    assert (m.path, m.line, m.number, m.caret) == ("x.sp", 4, 17, 54)
    assert out.unrecognised == [] and len(out.stray) == 2


def test_an_excerpt_of_another_line_is_not_taken_as_the_messages_own():
    """The excerpt repeats the message's line number: a line `  12 | …` after a message on
    line 4 is not its excerpt (and not a message either)."""
    out = parse_output("x.sp(4) : warning 204: unused\n    12 | int a;\n-----^\n")
    [m] = out.messages
    assert m.caret is None and m.text == "unused"


def test_a_message_without_a_location():
    out = parse_output('SourcePawn Compiler 1.12\n\nerror 417: cannot read from file: "/p/c01_empty.sp"\n\n1 Error.\n')
    [m] = out.messages
    assert (m.path, m.line, m.end_line, m.kind, m.number) == ("", 0, 0, "error", 417)
    assert not m.located and m.caret is None
    assert [m.code for m in out.errors] == ["spcomp-417"]


def test_lines_between_a_message_and_its_excerpt_are_stray_not_text():
    out = parse_output(
        'x.sp(26) : warning 234: symbol "NextNative" is marked as deprecated: Don\'t call this\n'
        "native void QuotedNative(int client);\n"
        "    26 |     NextNative(3);\n"
        "-----------------------^\n"
    )
    [m] = out.messages
    assert m.text == 'symbol "NextNative" is marked as deprecated: Don\'t call this' and m.caret == 14
    assert out.stray == ["native void QuotedNative(int client);"]


def test_bytes_that_are_not_utf8_in_a_message_and_a_path():
    raw = b'/srv/\xe9t\xe9/x.sp(7) : error 001: expected token: "-identifier-", but found "\xd0"\n'
    [m] = parse_output(raw.decode("utf-8", "surrogateescape")).messages
    assert m.text == 'expected token: "-identifier-", but found "\ufffd"'
    assert m.path.encode("utf-8", "surrogateescape") == b"/srv/\xe9t\xe9/x.sp"  # still opens the file
