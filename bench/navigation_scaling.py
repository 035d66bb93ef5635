"""The semantic model and its features on pathological inputs: does anything grow faster than the input?

    python bench/navigation_scaling.py [--sizes 1000,64000] [--kinds parens-open,braces-open] [--limit 60]

The inputs of bench/scaling.py (deep nesting of every bracket, unclosed ones, strings, comments,
giant lines, many functions, many includes) at each size N, each opened as the server opens a
document, in a child process with a time limit. Per input, milliseconds for: tree-sitter's parse
alone (the floor), binding the model, definition, references (with the declaration), document
highlight, hover, semantic tokens, completion, inlay hints over the whole file and call
hierarchy (prepare, incoming, outgoing), the cursor on the first name, the middle of the file
and the last name. Printed as ms and as the worst feature's ratio to the parse; a flat ratio
down a kind's rows means linear time. Nothing asserts on the figures.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scaling import KINDS
from spcopilot.diagnostics.supervised import Worker

FEATURES = ("bind", "definition", "references", "highlight", "hover", "tokens", "completion", "inlay", "calls")
_NAME = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")


def cursors(source: bytes) -> list[int]:
    """The first name, a byte in the middle and the last name of the input."""
    names = list(_NAME.finditer(source))
    if not names:
        return [0, len(source) // 2]
    return [names[0].start() + 1, len(source) // 2, names[-1].start() + 1]


def measure(job: tuple[str, int]) -> tuple[int, float, dict[str, float]]:
    """In the child: (bytes, parse ms, ms per feature: the sum over the cursors)."""
    from spcopilot.diagnostics.parsing import parse
    from spcopilot.server.features import (
        call_hierarchy,
        completion,
        hover,
        inlay_hints,
        navigation,
        references,
        semantic_tokens,
    )
    from spcopilot.server.project import Project

    kind, n = job
    source = KINDS[kind](n)
    t0 = time.perf_counter()
    parse(source)
    parse_ms = (time.perf_counter() - t0) * 1000
    times = dict.fromkeys(FEATURES, 0.0)

    def timed(name: str, fn: Any) -> object:
        start = time.perf_counter()
        result = fn()
        times[name] += (time.perf_counter() - start) * 1000
        return result

    with tempfile.TemporaryDirectory(prefix="navigation-scaling-") as tmp:
        path = Path(tmp) / "scripting" / "hostile.sp"
        path.parent.mkdir()
        path.write_bytes(source)
        project = Project(Path(tmp), {"cache-dir": str(Path(tmp) / "cache"), "lint-workspace": False})
        uri = path.as_uri()
        project.open(uri, str(path), source.decode("utf-8"), 1)
        view = project.view(uri)
        assert view is not None
        if not view.analysed:  # over max-file-mb: kept in sync, not analysed (every feature answers nothing)
            return len(source), parse_ms, {}
        timed("bind", lambda: view.semantic)
        read, resolve = project.read, project.resolve_include(str(path))
        for at in cursors(source):
            timed("definition", lambda at=at: navigation.definition(view, at, "utf-16", resolve, read))
            timed("references", lambda at=at: references.references(view, at, True, "utf-16", read))
            timed("highlight", lambda at=at: references.highlights(view, at))
            timed("hover", lambda at=at: hover.hover(view, at))
            timed("completion", lambda at=at: completion.complete(view, at))
            decl = timed("calls", lambda at=at: call_hierarchy.prepare(view.semantic, at))
            if decl is not None and view.workspace is not None:
                timed("calls", lambda decl=decl: call_hierarchy.incoming(view.workspace, decl))
                timed("calls", lambda decl=decl: call_hierarchy.outgoing(view.workspace, decl))
        timed("tokens", lambda: semantic_tokens.encode(view))
        timed("inlay", lambda: inlay_hints.hints(view, 0, len(source)))
    return len(source), parse_ms, times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,64000")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--limit", type=float, default=60.0, help="seconds per case (CPU time)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"load average {os.getloadavg()[0]:.1f}; ms per input (3 cursors summed for the cursor features)")
    print("| input | N | KB | parse | " + " | ".join(FEATURES) + " | slowest × parse |")
    print("|---|---|---|---|" + "---|" * len(FEATURES) + "---|")
    worst_ms = 0.0
    with Worker(measure) as worker:
        for kind in args.kinds.split(","):
            for n in sizes:
                outcome = worker.call((kind, n), timeout=args.limit * 3, cpu_seconds=args.limit)
                if not outcome.ok:
                    print(f"| {kind} | {n:,} | | {outcome.status}: {outcome.detail} |", flush=True)
                    worst_ms = float("inf")
                    continue
                size, parse_ms, times = outcome.value
                if not times:
                    print(f"| {kind} | {n:,} | {size / 1024:,.0f} | {parse_ms:,.1f} | not analysed (max-file-mb) |")
                    continue
                slowest = max(times.values())
                worst_ms = max(worst_ms, slowest)
                cells = " | ".join(f"{times[f]:,.1f}" for f in FEATURES)
                print(
                    f"| {kind} | {n:,} | {size / 1024:,.0f} | {parse_ms:,.1f} | {cells} | "
                    f"{slowest / max(parse_ms, 1e-6):.1f} |",
                    flush=True,
                )
    print(f"slowest feature on any input: {worst_ms:,.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
