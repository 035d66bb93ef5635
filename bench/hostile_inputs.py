"""Inputs a person can type (or paste) that are not the plugins the rules were written for: for
the fuzzers (fuzz_lsp.py, fuzz_api.py). Everything is generated from a seed; nothing here is
read from the network or from another project.

- `mutate(text, rng)`: a real plugin after a few careless edits (spans deleted, duplicated,
  truncated; brackets, quotes, comment openers, preprocessor lines and odd code points typed in);
- `pathological(rng)`: the classics: unterminated comments, strings, char literals and
  preprocessor lines at the very end of the input; every class of code point in identifiers,
  strings and comments; deep nesting; megabyte lines; NUL bytes.
"""

from __future__ import annotations

import random
from collections.abc import Callable

# One code point of each kind that has broken a lexer somewhere: ASCII controls, Latin-1,
# combining marks, CJK, right-to-left and bidi overrides, zero-width joiners, a BOM in the
# middle, emoji (astral plane), the last code point, private use, a lone surrogate (which
# reaches us from JSON as "\ud800").
CODE_POINTS = [
    "\x00", "\x01", "\x1b", "\x7f", "\xa0", "é", "ß", "\u0301", "\u0300", "中", "文", "\u05d0", "\u0627",
    "\u202e", "\u2066", "\u200d", "\u200b", "\ufeff", "\U0001f600", "\U0001f9df", "\U0010ffff", "\ue000",
    "\ud800", "\udfff", "\r", "\u2028", "\u0085", "\\", "'", '"',
]  # fmt: skip
TYPED = ["(", ")", "{", "}", "[", "]", '"', "'", "/*", "*/", "//", "#", "#define X ", "#if ", "\\", ";", ",", "\n"]
ENDINGS = [
    "#define X /*",
    "#defineC/*",
    "/*",
    "/* unterminated comment",
    '"unterminated string',
    "'a",
    "'",
    "#include <",
    '#include "',
    "#if defined",
    "#pragma ",
    "public void F(",
    'HookEvent("',
    "x = '\\",
    '"\\',
    "#define M(a, b",
    "methodmap M < ",
    "enum struct E {",
]


def mutate(text: str, rng: random.Random, edits: int = 4) -> str:
    """`text` after a few random edits of the kinds people make while typing."""
    for _ in range(rng.randint(1, edits)):
        if not text:
            text = rng.choice(TYPED)
            continue
        at = rng.randrange(len(text) + 1)
        kind = rng.random()
        if kind < 0.25:
            end = min(len(text), at + rng.randint(1, 200))
            text = text[:at] + text[end:]
        elif kind < 0.45:
            end = min(len(text), at + rng.randint(1, 400))
            text = text[:at] + text[at:end] * rng.randint(2, 4) + text[end:]
        elif kind < 0.7:
            text = text[:at] + rng.choice(TYPED) + text[at:]
        elif kind < 0.85:
            text = text[:at] + "".join(rng.choice(CODE_POINTS) for _ in range(rng.randint(1, 6))) + text[at:]
        else:
            text = text[:at]  # cut off mid-token
    return text


def _nested(open_: str, close: str, depth: int, inner: str = "x") -> str:
    return open_ * depth + inner + close * depth


GENERATORS: dict[str, Callable[[random.Random, int], str]] = {
    "unterminated at the end": lambda rng, _s: "#include <sourcemod>\n" + rng.choice(ENDINGS),
    "code points in identifiers": lambda rng, s: "".join(
        f"int a{''.join(rng.choice(CODE_POINTS) for _ in range(3))}b = 1;\n" for _ in range(max(1, s // 20))
    ),
    "code points in strings and comments": lambda rng, s: "".join(
        f'char s[] = "{rng.choice(CODE_POINTS) * 3}"; // {rng.choice(CODE_POINTS)}\n/* {rng.choice(CODE_POINTS)} */\n'
        for _ in range(max(1, s // 40))
    ),
    "deep parentheses": lambda rng, s: "int x = " + _nested("(", ")", s // 2) + ";\n",
    "deep braces": lambda rng, s: "public void F()\n" + _nested("{", "}", s // 2, "\n") + "\n",
    "deep brackets": lambda rng, s: "int x = a" + "[" * (s // 3) + "0" + "]" * (s // 3) + ";\n",
    "deep if blocks": lambda rng, s: "void F(int a)\n{\n" + "if (a) {\n" * (s // 10) + "}\n" * (s // 10) + "}\n",
    "deep ternaries": lambda rng, s: "int x = " + "a ? " * (s // 4) + "b" + " : c" * (s // 4) + ";\n",
    "unbalanced openers": lambda rng, s: "void F()\n{\n" + rng.choice(["(", "{", "[", "/*", '"']) * (s // 2),
    "one long line": lambda rng, s: "int x = " + " + ".join(["a"] * (s // 4)) + ";\n",
    "long comment line": lambda rng, s: "// " + "x" * s + "\n",
    "long string": lambda rng, s: 'char s[] = "' + "y" * s + '";\n',
    "NUL bytes": lambda rng, s: "#include <sourcemod>\n" + "\x00" * rng.randint(1, 64) + "public void F() {}\n",
    "many functions": lambda rng, s: "".join(f"void F{i}() {{ G{i}(); }}\n" for i in range(max(1, s // 20))),
    "many includes": lambda rng, s: "".join(f'#include "part{i}"\n' for i in range(max(1, s // 20))),
    "long include names": lambda rng, s: (
        f'#include "{"a" * rng.choice([255, 300, 5000])}"\n' + "public void F() { RandomFloat(0.0, 1.0); }\n"
    ),
    "CRLF and CR": lambda rng, s: "public void F()\r\n{\r\n\tint a;\r}\r\n" * max(1, s // 40),
}


def pathological(rng: random.Random, size: int) -> tuple[str, str]:
    """(kind, text) of about `size` characters."""
    kind = rng.choice(sorted(GENERATORS))
    return kind, GENERATORS[kind](rng, size)
