"""A small reader for Valve's KeyValues text format (the game's resource/*.res files).

Kept beside `srctools` (which reads the phrase files, knowledge/phrases.py, and the VPK
packages, knowledge/vpk.py) for one thing srctools' parser drops: the comments. The game's
event files document their fields there (`"userid" "short" // user ID who died`), and the
event catalogue reads field kinds (userid or entity index) from them.

Quoted and unquoted tokens, nested braces, `//` comments (a comment after a value on the same
line is kept with it), `#base` / `#include` lines ignored, `[$X360]`-style conditionals
tolerated and kept. Forgiving: a missing closing brace ends the block at the end of the text;
a stray closing brace is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"'}
_SEPARATORS = frozenset('{}"[') | frozenset(" \t\r\n")


@dataclass(slots=True)
class KeyValue:
    key: str
    value: str | list[KeyValue]  # a string, or the entries of a { } block
    comment: str = ""  # the // comment on the key's line (or the opening brace's line)
    line: int = 0  # 0-based line of the key
    condition: str = ""  # e.g. "$X360" from [$X360]

    @property
    def is_block(self) -> bool:
        return isinstance(self.value, list)

    @property
    def entries(self) -> list[KeyValue]:
        return self.value if isinstance(self.value, list) else []


@dataclass(slots=True)
class _Token:
    kind: str  # "text", "{", "}", "comment", "condition"
    text: str
    line: int
    quoted: bool = False


@dataclass(slots=True)
class _Tokens:
    items: list[_Token]
    position: int = 0
    comments: dict[int, str] = field(default_factory=dict)  # line -> comment text

    def peek(self) -> _Token | None:
        return self.items[self.position] if self.position < len(self.items) else None

    def take(self) -> _Token | None:
        token = self.peek()
        if token is not None:
            self.position += 1
        return token


def parse_keyvalues(text: str) -> list[KeyValue]:
    """The top-level entries of a KeyValues text."""
    tokens: list[_Token] = []
    comments: dict[int, str] = {}
    for token in _tokenize(text):
        if token.kind == "comment":
            comments.setdefault(token.line, token.text)
        else:
            tokens.append(token)
    return _block(_Tokens(tokens, comments=comments), top=True)


_CONSOLES = frozenset({"$x360", "$ps3", "$gameconsole"})


def applies_on_pc(condition: str) -> bool:
    """False for entries only meant for consoles (`[$X360]`); anything else applies."""
    words = condition.replace("&&", " ").replace("||", " ").split()
    return not (words and all(w.lower() in _CONSOLES for w in words))


def _block(tokens: _Tokens, top: bool) -> list[KeyValue]:
    entries: list[KeyValue] = []
    while (token := tokens.take()) is not None:
        if token.kind == "}":
            if top:
                continue  # a stray closing brace
            return entries
        if token.kind != "text":
            continue  # a condition or "{" where a key should be
        if not token.quoted and token.text.lower() in ("#base", "#include"):
            following = tokens.peek()
            if following is not None and following.kind == "text" and following.line == token.line:
                tokens.take()
            continue
        entry = _entry(token, tokens)
        if entry is not None:
            entries.append(entry)
    return entries


def _entry(key: _Token, tokens: _Tokens) -> KeyValue | None:
    condition = _condition(tokens)
    value = tokens.peek()
    if value is None or value.kind == "}":
        return None  # a key without a value
    tokens.take()
    if value.kind == "{":
        comment = tokens.comments.get(key.line) or tokens.comments.get(value.line, "")
        entries = _block(tokens, top=False)
        return KeyValue(key.text, entries, comment, key.line, condition or _condition(tokens))
    if value.kind != "text":
        return None
    condition = condition or _condition(tokens)
    return KeyValue(key.text, value.text, tokens.comments.get(value.line, ""), key.line, condition)


def _condition(tokens: _Tokens) -> str:
    token = tokens.peek()
    if token is not None and token.kind == "condition":
        tokens.take()
        return token.text
    return ""


def _tokenize(text: str) -> Iterator[_Token]:
    i, line, size = 0, 0, len(text)
    while i < size:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c in " \t\r\ufeff":
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = size if end < 0 else end
            yield _Token("comment", text[i + 2 : end].strip().lstrip("/").strip(), line)
            i = end
        elif c in "{}":
            yield _Token(c, c, line)
            i += 1
        elif c == "[":
            end = text.find("]", i)
            end = size if end < 0 else end
            yield _Token("condition", text[i + 1 : end].strip(), line)
            i = end + 1
        elif c == '"':
            value, i, lines = _quoted(text, i + 1)
            yield _Token("text", value, line, quoted=True)
            line += lines
        else:
            start = i
            while i < size and text[i] not in _SEPARATORS and not text.startswith("//", i):
                i += 1
            yield _Token("text", text[start:i], line)


def _quoted(text: str, i: int) -> tuple[str, int, int]:
    """The string starting after an opening quote, the index after its closing quote, and how
    many newlines it spans (an unterminated string runs to the end of the text)."""
    out: list[str] = []
    size = len(text)
    newlines = 0
    while i < size:
        c = text[i]
        if c == '"':
            return "".join(out), i + 1, newlines
        if c == "\\" and i + 1 < size and text[i + 1] in _ESCAPES:
            out.append(_ESCAPES[text[i + 1]])
            i += 2
            continue
        if c == "\n":
            newlines += 1
        out.append(c)
        i += 1
    return "".join(out), i, newlines
