"""What can be written at a cursor outside any function body (file scope).

At file scope SourcePawn holds only declarations, so what completion may offer depends on where
in a declaration the cursor is:

- TYPE: where a declaration starts or after its storage words (`public`, `stock`, `static`,
  `const`, `new`, `native`, `forward`...), and in a methodmap, enum struct or typeset body: a
  type, a tag, a keyword (or a forward to implement) first; completion puts the file's other
  names after them (they cannot start a declaration, but sourcepawn-studio offers them there and
  users of the field expect them);
- NAME: where the declaration's own new name goes (`int |`, `public void |`, `enum |`, an enum
  body's next member): nothing declared can be written there (`public` heads may implement a
  forward: PUBLIC_NAME);
- VALUE: initialisers (`int x = |`), array sizes, enum values, preprocessor lines, default
  arguments: constants and globals, as in an expression;
- STATEMENT: inside a function body the tree could not see (an unclosed one at the end of the
  file).

A pure function of the text: the tokens of the top-level item around the cursor are replayed,
tracking the brackets and the declaration's head so far.
"""

from __future__ import annotations

import re

from tree_sitter import Tree

TYPE = "type"
NAME = "name"
PUBLIC_NAME = "public_name"
VALUE = "value"
STATEMENT = "statement"

_WINDOW = 16384  # bytes of text replayed at most (a top-level item longer than this is read from its tail)
_TOKEN = re.compile(
    rb"""(?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))
    |(?P<pre>\#(?:[^\n\\]|\\.)*)
    |(?P<string>"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?)
    |(?P<word>[A-Za-z_]\w*)
    |(?P<number>\d[\w.]*)
    |(?P<punct>\S)""",
    re.S | re.X,
)
_STORAGE = frozenset({"public", "stock", "static", "const", "new", "decl", "native", "forward"})
_NEW_NAME_AFTER = frozenset({"enum", "struct", "methodmap", "typeset", "functag", "funcenum", "property"})
_CLOSING = {b")": b"(", b"]": b"[", b"}": b"{"}
# Kinds of an open `{`: an initialiser's, an enum's, a function body's, a declaration body's.
_INIT, _ENUM, _BODY, _DECLS = "init", "enum", "body", "decls"


def position(source: bytes, tree: Tree | None, word_start: int) -> str:
    """TYPE, NAME, PUBLIC_NAME, VALUE or STATEMENT for a word starting at `word_start`, which
    the caller knows is outside every function body the tree found."""
    line_start = source.rfind(b"\n", 0, word_start) + 1
    if source[line_start:word_start].lstrip().startswith(b"#"):
        return VALUE  # #define X |, #if |
    begin = _item_start(tree, word_start)
    begin = max(begin, word_start - _WINDOW)
    head: list[bytes] = []  # the current declaration's tokens at the innermost open bracket
    stack: list[tuple[bytes, str, list[bytes]]] = []  # open brackets: (bracket, brace kind, head before it)
    for m in _TOKEN.finditer(source, begin, word_start):
        kind = m.lastgroup
        if kind in ("comment", "pre"):
            continue
        token = m.group()
        if token in (b"(", b"["):
            stack.append((token, "", head))
            head = []
        elif token == b"{":
            stack.append((token, _brace_kind(head, stack), head))
            head = []
        elif token in _CLOSING:
            while stack and stack[-1][0] != _CLOSING[token]:
                stack.pop()
            if not stack:
                head = []
                continue
            _, _, head = stack.pop()
            head = [] if token == b"}" else [*head, token]
        elif token == b";":
            head = []
        else:
            head.append(token)
    if stack and stack[-1][0] != b"{":
        return VALUE  # in parentheses (a default argument, a call in an initialiser) or brackets
    brace = stack[-1][1] if stack else _DECLS
    if brace == _BODY:
        return STATEMENT
    if brace == _INIT:
        return VALUE
    segment = _after_last_comma(head)
    if brace == _ENUM:
        return NAME if not segment else VALUE
    return _declaration_position(head, segment)


def _declaration_position(head: list[bytes], segment: list[bytes]) -> str:
    words = [t.decode("utf-8", "replace") for t in head]
    if not words or all(w in _STORAGE for w in words):
        return TYPE
    if words[0] == "typedef" or ("methodmap" in words and words[-1] == "<"):
        return TYPE  # typedef X = function |, methodmap X < |
    if len(segment) < len(head):  # int a = 1, |
        return NAME if not segment or b"=" not in segment else VALUE
    if b"=" in head or words[-1] in ("<", ">", "+", "-", "*", "/", "%", "&", "|", "^", "!", "~", "?", "."):
        return VALUE
    if words[-1] == ":" and not (len(words) >= 2 and words[-2].isidentifier() and words[-2] not in _STORAGE):
        return VALUE
    if words[-1] in _NEW_NAME_AFTER:
        return NAME
    return PUBLIC_NAME if words[0] == "public" else NAME


def _brace_kind(head: list[bytes], stack: list[tuple[bytes, str, list[bytes]]]) -> str:
    outer = stack[-1][1] if stack and stack[-1][0] == b"{" else ""
    if outer in (_BODY, _INIT):
        return outer  # a block in a body, a nested initialiser
    if stack and stack[-1][0] != b"{":
        return _INIT
    if head and head[-1] in (b"=", b","):
        return _INIT
    words = [t for t in head if t not in (b"public", b"stock", b"static", b"const")]
    if words and words[0] == b"enum" and not (len(words) > 1 and words[1] == b"struct"):
        return _ENUM
    if head and head[-1] in (b")", b"else", b"do"):
        return _BODY
    return _DECLS


def _after_last_comma(head: list[bytes]) -> list[bytes]:
    for i in range(len(head) - 1, -1, -1):
        if head[i] == b",":
            return head[i + 1 :]
    return head


def _item_start(tree: Tree | None, offset: int) -> int:
    """Where the top-level item around `offset` starts, or where the last one before it ends."""
    if tree is None:
        return 0
    root = tree.root_node
    low, high = 0, root.child_count  # the last child starting before offset (Node.first_child_for_byte
    while low < high:  # crashes the process in py-tree-sitter 0.26)
        middle = (low + high) // 2
        found = root.child(middle)
        if found is not None and found.start_byte < offset:
            low = middle + 1
        else:
            high = middle
    child = root.child(low - 1) if low else None
    # Replaying a complete item before the cursor is harmless (its `;` or `}` ends it); an
    # incomplete one (`int x =` parsed as an error) is where the cursor's declaration starts.
    for _ in range(64):
        if child is None or child.prev_sibling is None or not (child.type == "ERROR" or child.has_error):
            break
        child = child.prev_sibling
    return child.start_byte if child is not None else 0
