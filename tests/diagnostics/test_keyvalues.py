from spcopilot.diagnostics.knowledge.keyvalues import applies_on_pc, parse_keyvalues

TEXT = r"""// header comment
#base "other.res"
"Root"			// the root
{
	"block"
	{			// opening brace comment
		"quoted"	"value"		// after the value
		unquoted	bare_value
		"escaped"	"say \"hi\"\n"
		"multi"	"line one
line two"
		"console"	"1"	[$X360]
		"nested" { "deep" "1" }
	}
	"after"	"2"
}
}
"""


def test_structure_comments_and_conditions() -> None:
    [root] = parse_keyvalues(TEXT)
    assert (root.key, root.comment, root.line) == ("Root", "the root", 2)
    block, after = root.entries
    assert block.comment == "opening brace comment"
    entries = {e.key: e for e in block.entries}
    assert entries["quoted"].value == "value" and entries["quoted"].comment == "after the value"
    assert entries["unquoted"].value == "bare_value"
    assert entries["escaped"].value == 'say "hi"\n'
    assert entries["multi"].value == "line one\nline two"
    assert entries["console"].condition == "$X360"
    assert entries["nested"].entries[0].value == "1"
    assert (after.key, after.value, after.line) == ("after", "2", 14)


def test_tolerates_broken_text() -> None:
    assert parse_keyvalues("") == []
    assert parse_keyvalues("}}") == []
    [root] = parse_keyvalues('"a" { "b" "c"')  # never closed
    assert root.entries[0].value == "c"
    assert parse_keyvalues('"lonely"') == []


def test_console_conditions() -> None:
    assert not applies_on_pc("$X360")
    assert not applies_on_pc("$X360 || $PS3")
    assert applies_on_pc("!$X360")
    assert applies_on_pc("$WIN32")
    assert applies_on_pc("")
