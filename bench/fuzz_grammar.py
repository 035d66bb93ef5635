"""Mutation fuzzing of the grammar and the rules: real plugins, mutated, parsed and linted in a child
process with a time limit. Reports hangs, crashes (signals) and rule exceptions, each once per kind
(the smallest input kept), and writes the inputs to --out.

    python bench/fuzz_grammar.py [DIR...] --seconds 600 --seed 1 --out /tmp/fuzz

DIR: folders of .sp/.inc files to start from (default: examples/ and tests/rules/fixtures/).
Mutations favour what scanners trip on: the end of input in the middle of a token (the input is
often cut), unterminated comments, strings, char literals and preprocessor lines, line
continuations, CR, NUL, code points of every class, deep nesting, and splices of other files.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("SPCOPILOT_STRICT", "1")  # a rule that raises is a finding here

from spcopilot.diagnostics.supervised import CRASHED, ERROR, OK, TIMEOUT, Worker

REPO = Path(__file__).resolve().parents[1]
SNIPPETS = [
    "/*", "*/", "//", '"', "'", "\\", "\\\n", "\r", "\r\n", "\n", "\x00", "#define X ", "#define ", "#",
    "#if ", "#else\n", "#endif\n", "#include <", '#include "', "#pragma ", "(", ")", "{", "}", "[", "]",
    "?", ":", "::", ";", ",", "=", "view_as<", "function ", "methodmap M < ", "enum struct ", "public ",
    "native ", "forward ", "typeset ", "\U0010ffff", "\u00e9", "\u4e00", "\U0001f600", "\u200b", "\ufeff",
    "\x7f", "\u2028", "0x", "1.0e", "'\\", "Float:", "new ", "decl ", "sizeof ", "...", "&", "@",
]  # fmt: skip


def parse_and_lint(source: bytes) -> int:
    from spcopilot.diagnostics.engine import lint
    from spcopilot.diagnostics.include_symbols import read_declarations
    from spcopilot.diagnostics.parsing import parse

    tree = parse(source)
    read_declarations(source, "fuzz.inc")
    return len(lint(source, "fuzz.sp", tree=tree))


def seeds(dirs: list[Path]) -> list[bytes]:
    found = []
    for d in dirs:
        for path in sorted(d.rglob("*")):
            if path.suffix in (".sp", ".inc") and path.is_file():
                data = path.read_bytes()
                if len(data) <= 200_000:
                    found.append(data)
    return found


def window(rng: random.Random, data: bytes, size: int = 6000) -> bytes:
    if len(data) <= size:
        return data
    start = rng.randrange(len(data) - size)
    return data[start : start + size]


def mutate(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    data = bytearray(window(rng, data))
    for _ in range(rng.randint(1, 5)):
        at = rng.randint(0, len(data))
        kind = rng.random()
        if kind < 0.45:
            data[at:at] = rng.choice(SNIPPETS).encode("utf-8", "surrogatepass")
        elif kind < 0.55:
            data[at:at] = chr(rng.choice([rng.randint(0x80, 0x10FFFF), rng.randint(0, 0x7F)])).encode(
                "utf-8", "surrogatepass"
            )
        elif kind < 0.65 and data:
            end = min(len(data), at + rng.randint(1, 200))
            del data[at:end]
        elif kind < 0.72:
            other = window(rng, rng.choice(pool), 400)
            start = rng.randint(0, len(other))
            data[at:at] = other[start : start + rng.randint(1, 400)]
        elif kind < 0.8 and data:
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif kind < 0.85:
            opener, closer = rng.choice([("(", ")"), ("{", "}"), ("[", "]"), ("x ? ", " : y")])
            depth = rng.randint(10, 3000)
            data[at:at] = (opener * depth + "1" + closer * rng.randint(0, depth)).encode()
        else:
            end = min(len(data), at + rng.randint(1, 100))
            data[at:at] = data[at:end]
    if rng.random() < 0.5:  # end of input in the middle of whatever is there
        del data[rng.randint(0, len(data)) :]
    return bytes(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="*", type=Path)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=float, default=5.0, help="CPU seconds per input before it counts as a hang")
    parser.add_argument("--out", type=Path, default=Path("fuzz-findings"))
    args = parser.parse_args(argv)
    pool = seeds(args.dirs or [REPO / "examples", REPO / "tests" / "rules" / "fixtures"])
    if not pool:
        parser.error("no .sp/.inc files in the folders given")
    rng = random.Random(args.seed)
    found: dict[tuple[str, str], bytes] = {}
    runs = 0
    slowest = 0.0
    stop = time.monotonic() + args.seconds
    with Worker(parse_and_lint) as worker:
        while time.monotonic() < stop:
            source = mutate(rng, rng.choice(pool), pool)
            began = time.perf_counter()
            outcome = worker.call(source, timeout=args.limit * 20, cpu_seconds=args.limit)
            slowest = max(slowest, time.perf_counter() - began)
            runs += 1
            if outcome.status == OK:
                continue
            where = outcome.detail.strip().splitlines()[-1] if outcome.status == ERROR else outcome.detail
            key = (outcome.status, where if outcome.status == ERROR else f"{where}, {len(source) // 1000} KB")
            if key not in found or len(source) < len(found[key]):
                if key not in found:
                    print(f"[{runs}] {outcome.status}: {where} ({len(source)} bytes)", flush=True)
                found[key] = source
    args.out.mkdir(parents=True, exist_ok=True)
    for n, ((status, where), source) in enumerate(sorted(found.items())):
        (args.out / f"{n:03d}-{status}.sp").write_bytes(source)
        (args.out / f"{n:03d}-{status}.txt").write_text(where + "\n")
    counts = {s: sum(1 for k in found if k[0] == s) for s in (TIMEOUT, CRASHED, ERROR)}
    print(
        f"{runs} inputs in {args.seconds:g} s from {len(pool)} files; slowest {slowest * 1000:.0f} ms; "
        f"distinct hangs {counts[TIMEOUT]}, crashes {counts[CRASHED]}, rule errors {counts[ERROR]}"
        + (f"; inputs in {args.out}" if found else "")
    )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
