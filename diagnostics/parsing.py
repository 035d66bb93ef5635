"""The SourcePawn parse tree: tree-sitter-sourcepawn through our compiled binding.

One `Language` and one compiled set of queries per process; parsers are cheap and are made
per thread (a tree-sitter parser must not be shared between threads).
"""

from __future__ import annotations

import threading
from functools import cache

from spcopilot.diagnostics import _sourcepawn
from spcopilot.diagnostics.budget import AnalysisStopped, Budget
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


# Bytes handed to tree-sitter per read when parsing under a budget.
_CHUNK = 1 << 16


def _chunk_buffer() -> bytearray:
    """The calling thread's read buffer. py-tree-sitter 0.26.1 keeps one reference to every
    object a read callback returns (measured: the refcount of what `read` returns grows by one
    per call), so returning slices kept each parsed source alive: ~8 KB per open of an 8 KB
    file in the server (bench/fuzz_lsp.py --leak). Every read returns this one buffer, refilled
    in place, and the stray references cost nothing. tree-sitter reads a chunk only until it
    asks for the next one. Test: tests/diagnostics/test_budget.py (a budgeted parse keeps
    nothing alive); this can go when py-tree-sitter releases what `read` returned."""
    buffer: bytearray | None = getattr(_local, "chunk", None)
    if buffer is None:
        buffer = _local.chunk = bytearray()
    return buffer


class _Source:
    """What a budgeted parse reads from, and what its tree keeps as its text: during the parse,
    the thread's one chunk buffer (`_chunk_buffer`); afterwards, `bytes` slices, which is what
    py-tree-sitter 0.26.1 needs to read a node's text from a tree parsed through a callback
    (`Node.text`, and a query's text predicates such as #any-of?): it crashes (SIGSEGV) on a
    bytearray there, and it releases what it reads there, unlike during a parse.

    This replaced re-parsing from the bytes after every budgeted parse (to give the tree a
    text of its own): that re-parse holds the interpreter lock, and on error-heavy text it
    reuses little of the first parse: 1.7 s for a megabyte of odd code points in identifiers,
    0.14 s for a megabyte of unbalanced openers, during which no other thread of the language
    server ran (bench/fuzz_lsp.py). Tests: tests/diagnostics/test_budget.py. The bytearray case
    is fixed upstream after 0.26.1 (py-tree-sitter 4fb9f66); the chunk buffer can go with the
    leak it works around."""

    __slots__ = ("_chunk", "_view")

    def __init__(self, source: bytes) -> None:
        self._view = memoryview(source)
        self._chunk: bytearray | None = _chunk_buffer()

    def __call__(self, byte: int, _: Point) -> bytes | bytearray:
        chunk = self._chunk
        if chunk is None:  # a node's text, after the parse
            return self._view[byte : byte + _TEXT_READ].tobytes()
        chunk[:] = self._view[byte : byte + _CHUNK]
        return chunk

    def parsed(self) -> None:
        self._chunk = None


# Bytes read per call for a node's text after the parse (most nodes a predicate reads are names).
_TEXT_READ = 256


def parse(source: bytes, old_tree: Tree | None = None, budget: Budget | None = None) -> Tree:
    """Parse (incrementally from `old_tree`). With a budget, tree-sitter's progress callback
    checks it while parsing, which also lets other Python threads run (a parse of bytes holds the
    GIL until it ends); when it runs out the parse stops and AnalysisStopped is raised."""
    p = parser()
    if budget is None:
        return p.parse(source) if old_tree is None else p.parse(source, old_tree)
    budget.check()
    read = _Source(source)
    try:
        if old_tree is None:
            tree = p.parse(read, progress_callback=budget.stop_requested)
        else:
            tree = p.parse(read, old_tree, progress_callback=budget.stop_requested)
    except ValueError:
        tree = None  # "Parsing failed": the callback stopped it
    finally:
        read.parsed()
    if tree is None:
        p.reset()  # else the next parse would resume this one
        budget.check()
        raise AnalysisStopped("cancelled")  # stopped, yet the budget says go on: cannot happen
    return tree


@cache
def compile_query(source: str) -> Query:
    return Query(language(), source)


def node_text(node: Node, source: bytes) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def has_errors(tree: Tree) -> bool:
    return tree.root_node.has_error


__all__ = ["Node", "Point", "Tree", "compile_query", "has_errors", "language", "node_text", "parse", "parser"]
