"""SPC401's client evidence (client_data.py) is what the program says, so it follows edits in
other functions and survives renaming the variables."""

from __future__ import annotations

from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.document import Document, TextChange
from spcopilot.diagnostics.engine import lint
from spcopilot.diagnostics.incremental import IncrementalLint
from spcopilot.diagnostics.model import Position

CONFIG = Config(select=("SPC401",))
PLUGIN = """public void Event_Spawn(Event event, const char[] name, bool dontBroadcast)
{
    int who = GetClientOfUserId(event.GetInt("userid"));
    CreateTimer(1.0, Timer_Again, who);
}

public Action Timer_Again(Handle timer, any data)
{
    CreateTimer(1.0, Timer_Again, data);
    return Plugin_Stop;
}

void Helper(int index)
{
    CreateTimer(1.0, Timer_Again, index);
}

void Caller(int entity)
{
    Helper(entity);
}
"""


def _position(text: str, offset: int) -> Position:
    before = text[:offset]
    return Position(before.count("\n"), offset - (before.rfind("\n") + 1))


def _lines_flagged(source: bytes, findings: list) -> list[int]:  # type: ignore[type-arg]
    return sorted(source[: d.start_byte].count(b"\n") + 1 for d in findings)


def _edit(doc: Document, old: str, new: str, version: int) -> None:
    at = doc.text.index(old)
    doc.apply([TextChange(new, _position(doc.text, at), _position(doc.text, at + len(old)))], version)


def test_evidence_in_another_function_is_followed_after_an_edit() -> None:
    doc = Document(PLUGIN, 0)
    session = IncrementalLint()
    first = session.lint(doc.source, doc.tree, "t.sp", CONFIG, lines=doc.lines)
    assert _lines_flagged(doc.source, first) == [4, 9]  # the client, and the timer data it became
    # The spawn handler now passes the userid: the timer's own data is no client any more.
    _edit(doc, 'GetClientOfUserId(event.GetInt("userid"))', 'event.GetInt("userid")', 1)
    got = session.lint(doc.source, doc.tree, "t.sp", CONFIG, lines=doc.lines)
    assert got == lint(doc.source, "t.sp", CONFIG, tree=doc.tree) and got == []
    # A caller now passes a client to the plugin's own Helper.
    _edit(doc, "Helper(entity);", "Helper(GetClientOfUserId(entity));", 2)
    got = session.lint(doc.source, doc.tree, "t.sp", CONFIG, lines=doc.lines)
    assert got == lint(doc.source, "t.sp", CONFIG, tree=doc.tree)
    assert _lines_flagged(doc.source, got) == [9, 15]  # and Timer_Again is given a client again


def test_renaming_the_variables_changes_nothing() -> None:
    renamed = PLUGIN.replace("who", "client").replace("data", "client").replace("index", "victim")
    original = lint(PLUGIN.encode(), "t.sp", CONFIG)
    again = lint(renamed.encode(), "t.sp", CONFIG)
    assert [(d.code, d.start_byte, d.severity) for d in original] != []
    assert _lines_flagged(PLUGIN.encode(), original) == _lines_flagged(renamed.encode(), again)
