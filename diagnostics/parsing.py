"""The SourcePawn parse tree: tree-sitter-sourcepawn through our compiled binding.

One `Language` and one compiled set of queries per process; parsers are cheap and are made
per thread (a tree-sitter parser must not be shared between threads).
"""

from __future__ import annotations

import threading
from functools import cache

from spcopilot.diagnostics import _sourcepawn
from tree_sitter import Language, Node, Parser, Point, Query, Tree

_local = threading.local()


@cache
def language() -> Language:
    return Language(_sourcepawn.language())


def parser() -> Parser:
    """The calling thread's parser."""
    p = getattr(_local, "parser", None)
    if p is None:
        p = _local.parser = Parser(language())
    return p


def parse(source: bytes, old_tree: Tree | None = None) -> Tree:
    if old_tree is None:
        return parser().parse(source)
    return parser().parse(source, old_tree)


@cache
def compile_query(source: str) -> Query:
    return Query(language(), source)


def node_text(node: Node, source: bytes) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def has_errors(tree: Tree) -> bool:
    return tree.root_node.has_error


__all__ = ["Node", "Point", "Tree", "compile_query", "has_errors", "language", "node_text", "parse", "parser"]
