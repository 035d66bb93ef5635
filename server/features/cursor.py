"""Where the cursor is, read from the text as the user is typing it.

Code under the cursor is usually incomplete (`HookEvent("pla`), so the tree there is full of
errors. These functions lex the text from the start of the enclosing top-level item up to
the cursor instead: strings, comments, and the stack of open calls with the argument the
cursor is in. Everything is in byte offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tree_sitter import Tree

_IDENT_BEFORE = re.compile(rb"([A-Za-z_][A-Za-z0-9_]*)\s*$")
# `list.` right before the cursor's word (a dot left dangling on an earlier line does not count).
_RECEIVER_BEFORE = re.compile(rb"([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[[^\]]*\]\s*)?\.[ \t]*$")
_WORD_TAIL = re.compile(rb"[A-Za-z0-9_]*")
_WORD_HEAD = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*$")
MAX_SCAN = 64 * 1024


@dataclass(slots=True)
class Call:
    """An open call: `name(` (or `receiver.name(`) whose closing parenthesis is not before the cursor."""

    name: str
    receiver: str | None
    name_start: int  # byte offset of the callee's name
    open_paren: int  # byte offset of "("
    arg_starts: list[int] = field(default_factory=list)  # byte offset where each argument starts

    @property
    def arg_index(self) -> int:
        return len(self.arg_starts) - 1


@dataclass(slots=True)
class Cursor:
    offset: int
    in_comment: bool = False
    string_start: int | None = None  # offset just after the opening quote, when inside a string
    calls: list[Call] = field(default_factory=list)  # innermost last

    @property
    def in_string(self) -> bool:
        return self.string_start is not None

    @property
    def call(self) -> Call | None:
        return self.calls[-1] if self.calls else None


def item_start(tree: Tree | None, offset: int) -> int:
    """Start of the top-level item holding `offset` (a token boundary, so a safe place to
    start lexing), at most MAX_SCAN bytes back."""
    floor = max(0, offset - MAX_SCAN)
    if tree is None:
        return floor
    root = tree.root_node
    child = root.first_child_for_byte(offset)
    if child is not None and child.start_byte <= offset:
        start = child.start_byte
    else:
        prev = (
            child.prev_sibling if child is not None else root.child(root.child_count - 1) if root.child_count else None
        )
        start = prev.end_byte if prev is not None else 0
    return start if start >= floor else floor


def cursor_at(source: bytes, offset: int, tree: Tree | None = None, start: int | None = None) -> Cursor:
    """Lex `source[start:offset]` and say where the cursor is."""
    offset = max(0, min(offset, len(source)))
    pos = item_start(tree, offset) if start is None else start
    cur = Cursor(offset)
    while pos < offset:
        ch = source[pos]
        if ch == 0x2F and source[pos + 1 : pos + 2] == b"/":  # // comment
            end = source.find(b"\n", pos)
            if end == -1 or end >= offset:
                cur.in_comment = True
                return cur
            pos = end + 1
            continue
        if ch == 0x2F and source[pos + 1 : pos + 2] == b"*":  # /* comment */
            end = source.find(b"*/", pos + 2)
            if end == -1 or end + 2 > offset:
                cur.in_comment = True
                return cur
            pos = end + 2
            continue
        if ch in (0x22, 0x27):  # "string" or 'c'
            closing = _string_end(source, pos + 1, ch, offset)
            if closing is None:
                if ch == 0x22:
                    cur.string_start = pos + 1
                return cur
            pos = closing + 1
            continue
        if ch == 0x28:  # (
            before = source[max(0, pos - 200) : pos]
            name_match = _IDENT_BEFORE.search(before)
            name, receiver, name_start = "", None, pos
            if name_match:
                name = name_match.group(1).decode()
                name_start = pos - len(before) + name_match.start(1)
                recv = _RECEIVER_BEFORE.search(source[max(0, name_start - 200) : name_start])
                if recv:
                    receiver = recv.group(1).decode()
            cur.calls.append(Call(name, receiver, name_start, pos, [pos + 1]))
        elif ch == 0x29:  # )
            if cur.calls:
                cur.calls.pop()
        elif ch in (0x7B, 0x7D, 0x3B) and cur.calls:  # { } ; end any open call (broken code)
            cur.calls.clear()
        elif ch == 0x2C and cur.calls:  # ,
            cur.calls[-1].arg_starts.append(pos + 1)
        pos += 1
    return cur


def _string_end(source: bytes, pos: int, quote: int, limit: int) -> int | None:
    """Offset of the closing quote, or None if the string is still open at `limit` (or at the
    end of its line: SourcePawn strings do not span lines without a backslash)."""
    while pos < limit:
        ch = source[pos]
        if ch == 0x5C:  # backslash
            pos += 2
            continue
        if ch == quote:
            return pos
        if ch == 0x0A:
            return pos - 1 if pos - 1 >= 0 else pos  # an unterminated string ends at its line
        pos += 1
    return None


def word_at(source: bytes, offset: int) -> tuple[int, int]:
    """The identifier around `offset` as (start, end) bytes; empty at offset when there is none."""
    head = _WORD_HEAD.search(source[max(0, offset - 256) : offset])
    start = offset - len(head.group(0)) if head else offset
    tail = _WORD_TAIL.match(source, offset)
    end = tail.end() if tail else offset
    return start, end


def receiver_before(source: bytes, word_start: int) -> str | None:
    """`list` for `list.Pu|`, None when the word is not after a dot."""
    m = _RECEIVER_BEFORE.search(source[max(0, word_start - 256) : word_start])
    return m.group(1).decode() if m else None


def argument_text(source: bytes, call: Call, index: int, end: int) -> str:
    """The text of one (complete) argument of an open call."""
    start = call.arg_starts[index]
    stop = call.arg_starts[index + 1] - 1 if index + 1 < len(call.arg_starts) else end
    return source[start:stop].decode("utf-8", "replace").strip()


def string_content_end(source: bytes, offset: int) -> int:
    """Where the string the cursor is in ends: before the closing quote on this line, or at the
    end of the typed word when there is no closing quote yet."""
    line_end = source.find(b"\n", offset)
    line_end = len(source) if line_end == -1 else line_end
    quote = source.find(b'"', offset, line_end)
    if quote != -1:
        return quote
    tail = _WORD_TAIL.match(source, offset)
    return tail.end() if tail else offset
