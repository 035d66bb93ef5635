"""The grammar never hangs or crashes, whatever the bytes: every parse here runs in a child
process with a time limit (diagnostics.supervised), so a hang fails the test instead of wedging
the run, and a crash fails it instead of killing pytest.

The two inputs first found (issue 15) are fixed by our patches to the grammar's scanner
(diagnostics/grammar/patches); the property test feeds random bytes and code points in every
place the scanner looks at (identifiers, strings, char literals, comments, preprocessor lines,
the end of input)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spcopilot.diagnostics import _sourcepawn
from spcopilot.diagnostics.supervised import Worker

REPO = Path(__file__).resolve().parents[2]
LIMIT = 10.0  # seconds; a parse of these inputs takes well under a millisecond


def parse_and_lint(source: bytes) -> tuple[bool, int]:
    """In the child: parse, then lint (SPCOPILOT_STRICT=1 in tests: a rule that raises fails)."""
    from spcopilot.diagnostics.engine import lint
    from spcopilot.diagnostics.parsing import parse

    tree = parse(source)
    return tree.root_node.has_error, len(lint(source, "fuzz.sp", tree=tree))


@pytest.fixture(scope="module")
def child() -> Iterator[Worker]:
    with Worker(parse_and_lint) as worker:
        yield worker


def survives(child: Worker, source: bytes) -> None:
    outcome = child.call(source, timeout=LIMIT)
    assert outcome.ok, f"{outcome.status} ({outcome.detail}) on {source[:200]!r}"


@pytest.mark.parametrize(
    "source",
    [
        b"#define X /*",  # issue 15: the scanner advanced forever at the end of input
        b"#defineC/*",
        b"#define X /* \\",
        b"#define X /* *",
        b"#define X 1 /* a */ /*",
        b"#define X /*\r",
        "int x = 1\n\U0010ffff\n".encode(),  # issue 15: isalpha() of a code point > 255 (SIGSEGV)
        "int x = 1\n\U0010ffff".encode(),
        "int x = 1\n\u00e9t\n".encode(),
        "int x = 1\n\U0001f600 y;\n".encode(),
    ],
)
def test_known_killers_parse(child: Worker, source: bytes) -> None:
    survives(child, source)


def test_the_build_applied_every_patch() -> None:
    """The compiled grammar carries exactly the repository's patches (a grammar built before a
    patch was added, or from a cached unpatched copy, fails here)."""
    shipped = sorted(p.stem for p in (REPO / "diagnostics" / "grammar" / "patches").glob("*.patch"))
    applied = _sourcepawn.PATCHES.split("@")[0].split(",") if _sourcepawn.PATCHES else []
    assert applied == shipped


# -- random input in every place the scanner reads -------------------------------------------
code_points = st.one_of(
    st.characters(codec="utf-8"),  # any scalar value, surrogates excluded
    st.sampled_from(["\U0010ffff", "\u00ff", "\u0100", "\x00", "\x7f", "\u2028", "\ufeff", "\r", "\\", "*", "/"]),
)
words = st.text(code_points, max_size=12)
places = st.sampled_from(
    [
        "{w}",
        "int {w} = 1",
        "int x = 1\n{w}\n",
        'char s[] = "{w}',
        'char s[] = "{w}";',
        "int c = '{w}",
        "/* {w}",
        "// {w}",
        "#define X {w}",
        "#define X /* {w}",
        "#define {w}",
        "#{w}",
        "#include <{w}>",
        "void f() {{ {w}",
        "x ? {w} : y",
        "enum E {{ {w}",
        "methodmap M < {w}",
    ]
)


@st.composite
def hostile_sources(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):
        return draw(st.binary(max_size=64))
    parts = [draw(places).format(w=draw(words)) for _ in range(draw(st.integers(1, 4)))]
    text = draw(st.sampled_from(["", "\n", "\r\n", " "])).join(parts)
    return text.encode("utf-8", "surrogatepass")


@settings(
    max_examples=300,
    derandomize=True,  # the same examples on every run: CI is reproducible
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(source=hostile_sources())
def test_hostile_input_never_hangs_or_crashes(child: Worker, source: bytes) -> None:
    survives(child, source)
