"""The cursor lexer on incomplete code."""

from __future__ import annotations

from spcopilot.diagnostics.parsing import parse
from spcopilot.server.features.cursor import cursor_at, receiver_before, word_at

from .helpers import cursor


def at(text: str):  # type: ignore[no-untyped-def]
    plain, offset = cursor(text)
    source = plain.encode()
    return cursor_at(source, offset, parse(source)), source, offset


def test_open_call_and_argument() -> None:
    cur, _, _ = at('void F() {\n    SetEntProp(client, Prop_Send, "m_iHealth", GetRandomInt(1, |')
    assert [c.name for c in cur.calls] == ["SetEntProp", "GetRandomInt"]
    assert cur.call is not None and cur.call.arg_index == 1
    assert cur.calls[0].arg_index == 3


def test_strings_comments_and_escapes() -> None:
    cur, _, _ = at('void F() { PrintToChatAll("a \\" quote, (not a call", x); Foo("b|')
    assert cur.in_string and cur.call is not None and cur.call.name == "Foo"
    cur, _, _ = at("void F() { /* Foo( */ Bar(|")
    assert cur.call is not None and cur.call.name == "Bar" and cur.call.arg_index == 0
    cur, _, _ = at("void F() { // Foo(|")
    assert cur.in_comment
    cur, _, _ = at("void F() { char c = '('; Baz(1, |")
    assert cur.call is not None and cur.call.name == "Baz" and cur.call.arg_index == 1


def test_receivers() -> None:
    cur, _, _ = at('void F(Event event) { event.GetInt("|')
    assert cur.call is not None and cur.call.receiver == "event"
    source = b"    list.\n    GetClientOf"
    start, end = word_at(source, len(source))
    assert source[start:end] == b"GetClientOf"
    assert receiver_before(source, start) is None  # a dangling dot on the line above
    source = b"g_aList[i].Pu"
    start, _ = word_at(source, len(source))
    assert receiver_before(source, start) == "g_aList"
