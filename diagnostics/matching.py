"""Running a query over a tree in time linear in the tree's size, and stoppable.

tree-sitter's query cursor, at each node it visits, looks through the node's later siblings for
a named one. Error recovery can leave thousands of anonymous tokens side by side under one node
(a line of 64,000 `(`: one root with 64,000 children), and then each visit scans all the rest:
quadratic (4-6 s at 64,000, minutes at 300,000). A tree without errors never has such runs, so:

- a subtree without errors is matched by one cursor, as before (the normal case: one pass),
  unless it is very big (`_ONE_CURSOR` nodes: then it is split like one with errors, since a cursor
  is also superlinear on a node with very many named children, e.g. a string of 10^5 escapes);
- in a subtree with errors, each node on the way to the errors is matched on its own (a cursor
  rooted at it, `max_start_depth` 0: the patterns that start there), unless no pattern can start
  at its type or its children hold long runs of anonymous tokens (the quadratic case: what could
  match there is junk), and its children are visited the same way, iteratively.

Every match is rooted at some node, and every node is covered once, by the cursor of its nearest
error-free ancestor or by its own, so the matches are those of one cursor over the tree, in
pre-order of their roots. A `Budget` (diagnostics.budget) is checked before each cursor and at
each node of an error spine; when it runs out, `AnalysisStopped` is raised. (Not inside a cursor:
py-tree-sitter 0.26.1 crashes when `QueryCursor.matches` gets a progress callback.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from spcopilot.diagnostics.budget import Budget
from spcopilot.diagnostics.parsing import compile_query
from tree_sitter import Node, Query, QueryCursor

Match = tuple[int, dict[str, list[Node]]]
# A node whose children's scans (each child to the next named sibling) would cost more than this
# many times its child count is not matched as a whole (see above).
_SCAN_FACTOR = 8
# Subtrees up to this many nodes get one cursor; bigger ones are split (a cursor also slows down
# more than linearly on a node of very many named children: a string of 100,000 escapes).
_ONE_CURSOR = 50_000
_ROOT = re.compile(r"[(\s]*([A-Za-z_][A-Za-z0-9_]*)")


def pattern_roots(patterns: Iterable[str]) -> frozenset[str] | None:
    """The node types the patterns start at (None: some pattern may start anywhere)."""
    roots = set()
    for text in patterns:
        found = _ROOT.match(text)
        if found is None or found.group(1) == "_" or text.lstrip("( \n").startswith(("[", '"')):
            return None
        roots.add(found.group(1))
    return frozenset(roots)


@cache
def query_roots(source: str) -> frozenset[str] | None:
    """`pattern_roots` of a query's patterns."""
    query = compile_query(source)
    texts = [
        source[query.start_byte_for_pattern(i) : query.end_byte_for_pattern(i)] for i in range(query.pattern_count)
    ]
    return pattern_roots(texts)


def matches(query: Query, node: Node, roots: frozenset[str] | None, budget: Budget | None = None) -> list[Match]:
    """Every match of `query` in `node`'s subtree (see the module docs)."""
    if not node.has_error and node.descendant_count <= _ONE_CURSOR:
        return _run(query, node, budget, rooted=False)
    found: list[Match] = []
    cursor = node.walk()  # a cursor's steps cost a third of `Node.children` (deep chains)
    while True:
        current = cursor.node
        assert current is not None
        if not current.has_error and current.descendant_count <= _ONE_CURSOR:
            if current.child_count or roots is None or current.type in roots:
                found += _run(query, current, budget, rooted=False)
            descend = False
        else:
            if budget is not None:
                budget.check()
            if (roots is None or current.type in roots) and not _long_anonymous_runs(current.children):
                found += _run(query, current, budget, rooted=True)
            descend = True
        if descend and cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return found


def captures(
    query: Query, node: Node, roots: frozenset[str] | None, budget: Budget | None = None
) -> dict[str, list[Node]]:
    """`QueryCursor.captures`, linear: every capture of every match, by name, in match order."""
    out: dict[str, list[Node]] = {}
    for _, caps in matches(query, node, roots, budget):
        for name, nodes in caps.items():
            out.setdefault(name, []).extend(nodes)
    return out


def _long_anonymous_runs(children: list[Node]) -> bool:
    cost, run = 0, 0
    for child in reversed(children):
        run = 0 if child.is_named else run + 1
        cost += run
    return cost > _SCAN_FACTOR * len(children) + 64


def _run(query: Query, node: Node, budget: Budget | None, rooted: bool) -> list[Match]:
    # No progress callback: py-tree-sitter 0.26.1 crashes (SIGSEGV) when QueryCursor.matches is
    # given one, even one that always answers "go on". A cursor is linear here, so the budget is
    # checked between cursors and between the nodes of an error spine.
    if budget is not None:
        budget.check()
    cursor = QueryCursor(query)
    if rooted:
        cursor.set_max_start_depth(0)
    return cursor.matches(node)


def query_matches(source: str, node: Node, budget: Budget | None = None) -> list[Match]:
    """`matches` of a query given as text (compiled once): what every query over a tree that a
    user typed should use instead of a bare `QueryCursor`."""
    return matches(compile_query(source), node, query_roots(source), budget)


def query_captures(source: str, node: Node, budget: Budget | None = None) -> dict[str, list[Node]]:
    """`captures` of a query given as text, each capture's nodes in document order (as
    `QueryCursor.captures` gives them)."""
    found = captures(compile_query(source), node, query_roots(source), budget)
    for nodes in found.values():
        nodes.sort(key=lambda n: (n.start_byte, -n.end_byte))
    return found
