"""The linear query runner (matching.py) and the top-down enclosing_function give what one
tree-sitter cursor and the walk up the parents give, on real plugins and on broken ones (its speed
lives in bench/scaling.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from spcopilot.diagnostics import engine
from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.include_symbols import SYMBOL_QUERY
from spcopilot.diagnostics.matching import matches, pattern_roots, query_roots
from spcopilot.diagnostics.parsing import compile_query, parse
from spcopilot.diagnostics.rules import all_rules
from spcopilot.diagnostics.semantics import enclosing_function
from tree_sitter import Node, QueryCursor

REPO = Path(__file__).resolve().parents[2]
SOURCES = sorted((REPO / "examples").glob("*.sp")) + sorted((REPO / "tests" / "rules" / "fixtures").glob("*.sp"))


def broken(source: bytes) -> list[bytes]:
    """The file cut in the middle of things, with junk of the kinds error recovery keeps flat."""
    middle = len(source) // 2
    return [
        source[:middle],
        source[:middle] + b"(" * 300 + source[middle:],
        source[:middle] + b"{ [ ( " * 50 + source[middle:],
        source.replace(b";", b"", 3),
        source.replace(b"}", b"", 2),
    ]


def as_set(found: list[tuple[int, dict[str, list[Node]]]]) -> set[tuple[int, tuple[tuple[str, tuple[int, ...]], ...]]]:
    return {(i, tuple(sorted((k, tuple(n.id for n in v)) for k, v in caps.items()))) for i, caps in found}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_the_same_matches_as_one_cursor(path: Path) -> None:
    compiled = engine.compile_rules(tuple(r.code for r in all_rules()))
    symbols = compile_query(SYMBOL_QUERY)
    for source in [path.read_bytes(), *broken(path.read_bytes())]:
        root = parse(source).root_node
        assert as_set(matches(compiled.query, root, compiled.roots)) == as_set(
            QueryCursor(compiled.query).matches(root)
        )
        assert as_set(matches(symbols, root, query_roots(SYMBOL_QUERY))) == as_set(QueryCursor(symbols).matches(root))


def test_runs_of_anonymous_tokens_are_not_matched_as_a_whole() -> None:
    """What a line of 64,000 `(` leaves: one node holding them all. Its own patterns are skipped
    (nothing but junk could match there); everything inside is still found."""
    query = compile_query("(call_expression) @call")
    source = b"(" * 5000 + b"\n\npublic void g() { Foo(1); }\n"
    root = parse(source).root_node
    assert root.has_error
    found = matches(query, root, frozenset({"call_expression"}))
    assert [source[c["call"][0].start_byte : c["call"][0].end_byte] for _, c in found] == [b"Foo(1)"]
    assert as_set(found) == as_set(QueryCursor(query).matches(root))


def test_pattern_roots() -> None:
    assert pattern_roots(["(a x: (b)) @c", "((d) @e (#eq? @e 1))"]) == {"a", "d"}
    assert pattern_roots(["(_) @any"]) is None
    assert pattern_roots(["[(a) (b)] @x"]) is None


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_enclosing_function_from_the_top_is_the_walk_up(path: Path) -> None:
    for source in [path.read_bytes(), *broken(path.read_bytes())]:
        tree = parse(source)
        ctx = Context(source, tree)
        stack = [tree.root_node]
        while stack:
            node = stack.pop()
            stack.extend(node.children)
            if node.type in ("call_expression", "identifier", "return_statement", "block"):
                expected = enclosing_function(node)  # the walk up the parents
                if expected is not None and enclosing_function(expected) is not None:
                    continue  # a function inside a function: only error recovery makes these
                got = ctx.enclosing_function(node)
                assert (got.id if got else None) == (expected.id if expected else None), node
