"""Time per KB by input kind and size: does anything grow faster than the input?

    python bench/scaling.py [--sizes 1000,10000,100000,1000000] [--kinds parens,braces] [--limit 120]

For each kind of pathological input (deep nesting of every bracket, nested ternaries, strings and
comments, giant lines, many functions, many includes) at each size N (nesting depth, items or
repetitions), in a child process with a time limit: tree-sitter's parse alone (the floor), the
engine's lint of the parsed tree, the editor's first lint of it (an incremental lint session,
which keeps state per top-level item), and the declaration reader (include_symbols, what the include
index and the outline run). Printed as µs per KB and as ratios against the parse of the same
input in the same run; flat rows down a column mean linear time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

from spcopilot.diagnostics.supervised import Worker

FUNCTION = b"public void OnPluginStart()\n{\n    int x = %s;\n}\n"


def _in_function(body: bytes) -> bytes:
    return b"public void OnPluginStart()\n{\n" + body + b"\n}\n"


KINDS: dict[str, Callable[[int], bytes]] = {
    "parens": lambda n: FUNCTION % (b"(" * n + b"1" + b")" * n),
    "parens-open": lambda n: FUNCTION % (b"(" * n),
    "brackets": lambda n: FUNCTION % (b"a" + b"[a" * n + b"]" * n),
    "brackets-open": lambda n: FUNCTION % (b"[" * n),
    "braces": lambda n: _in_function(b"{" * n + b"}" * n),
    "braces-open": lambda n: _in_function(b"{" * n),
    "blocks": lambda n: _in_function(b"if (x) { " * n + b"x++;" + b" }" * n),
    "calls": lambda n: FUNCTION % (b"GetClientName(" * n + b"1" + b", s, 32)" * n),
    "ternaries": lambda n: FUNCTION % (b"a ? b : " * n + b"c"),
    "strings": lambda n: FUNCTION % (b'"' + b'\\"x' * n + b'"'),
    "string-open": lambda n: FUNCTION % (b'"' + b"(" * n),
    "comments": lambda n: _in_function(b"/* " + b"/* x " * n + b"*/"),
    "comment-open": lambda n: _in_function(b"/* " + b"( " * n),
    "concatenations": lambda n: FUNCTION.replace(b"int x", b"char x[]") % (b'"a" ... ' * n + b'"b"'),
    "long-line": lambda n: FUNCTION % b" + ".join(b"x%d" % (i % 97) for i in range(n)),
    "functions": lambda n: b"".join(
        b"/** doc %d */\npublic void F%d(int client)\n{\n    float f = RandomFloat(0.0, 1.0);\n}\n" % (i, i)
        for i in range(n)
    ),
    "natives": lambda n: b"".join(b"/**\n * Doc %d\n */\nnative void N%d(int a);\n" % (i, i) for i in range(n)),
    "includes": lambda n: b"".join(b"#include <x%d>\n" % i for i in range(n)) + FUNCTION % b"1",
    # Many top-level items on one line: error items (`(` typed at file level) and declarations.
    "items-one-line": lambda n: b"void F()\n{\n" + b"(" * n,
    "globals-one-line": lambda n: b"".join(b"int g%d = %d; " % (i, i) for i in range(n)) + b"\n",
}


def measure(job: tuple[str, int]) -> tuple[int, float, float, float, float]:
    """In the child: (bytes, parse s, lint s, editor lint s, declarations s), best of a few runs
    for small inputs."""
    from spcopilot.diagnostics.engine import lint
    from spcopilot.diagnostics.include_symbols import read_declarations
    from spcopilot.diagnostics.incremental import IncrementalLint
    from spcopilot.diagnostics.parsing import parse

    kind, n = job
    source = KINDS[kind](n)
    repeats = max(1, min(5, 200_000 // max(1, len(source))))
    best = [float("inf")] * 4
    for _ in range(repeats):
        t0 = time.perf_counter()
        tree = parse(source)
        t1 = time.perf_counter()
        lint(source, "scaling.sp", tree=tree)
        t2 = time.perf_counter()
        IncrementalLint().lint(source, tree, "scaling.sp")
        t3 = time.perf_counter()
        read_declarations(source, "scaling.inc")
        t4 = time.perf_counter()
        best = [min(b, t) for b, t in zip(best, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True)]
    return len(source), *best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--limit", type=float, default=120.0, help="seconds per case (CPU time)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    kinds = args.kinds.split(",")
    print(f"load average {os.getloadavg()[0]:.1f}; µs per KB (ratio to tree-sitter's parse of the same input)")
    print(
        "| input | N | KB | parse µs/KB | lint µs/KB (× parse) | editor lint µs/KB (× parse) | declarations µs/KB (× parse) |"
    )
    print("|---|---|---|---|---|---|---|")
    worst = 0.0
    with Worker(measure) as worker:
        for kind in kinds:
            for n in sizes:
                outcome = worker.call((kind, n), timeout=args.limit * 3, cpu_seconds=args.limit)
                if not outcome.ok:
                    print(f"| {kind} | {n:,} | | {outcome.status}: {outcome.detail} | | | |", flush=True)
                    worst = float("inf")
                    continue
                size, parse_s, *rest = outcome.value
                kb = size / 1024
                floor = max(parse_s, 1e-9)
                worst = max(worst, *(t / floor for t in rest))
                cells = " | ".join(f"{t / kb * 1e6:,.1f} ({t / floor:.2f})" for t in rest)
                print(f"| {kind} | {n:,} | {kb:,.0f} | {parse_s / kb * 1e6:,.1f} | {cells} |", flush=True)
    print(f"worst ratio to the parse: {worst:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
