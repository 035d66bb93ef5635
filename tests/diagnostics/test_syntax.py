"""Syntax problems: where a text does not parse, as the guard and the battery report it."""

from __future__ import annotations

from spcopilot.diagnostics.parsing import parse
from spcopilot.diagnostics.syntax import syntax_problems


def problems(text: str) -> list[tuple[int, str]]:
    source = text.encode()
    return [(p.line, p.message) for p in syntax_problems(parse(source), source)]


def test_clean_code_has_none() -> None:
    assert problems('public void OnPluginStart()\n{\n    PrintToServer("hi");\n}\n') == []


def test_missing_and_unexpected_tokens_are_located() -> None:
    # (a missing semicolon is not one: SourcePawn makes it optional without `#pragma semicolon 1`)
    assert problems('public void OnPluginStart()\n{\n    PrintToServer("hi")\n}\n') == []
    found = problems('public void OnPluginStart()\n{\n    PrintToServer("hi";\n}\n')
    assert found and found[0][0] in (2, 3) and found[0][1].startswith("syntax error")
    assert problems("public void OnPluginStart( {\n") != []


def test_the_limit_holds() -> None:
    text = "".join(f"int a{i} = ;\n" for i in range(50))
    source = text.encode()
    assert 0 < len(syntax_problems(parse(source), source, limit=5)) <= 5
