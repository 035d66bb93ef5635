"""Reading SourceMod error logs (`spcopilot logs`, setting `error-logs`): time and peak memory.

    python bench/runtime_logs.py [--mb 200]

1. a generated log of real-format errors (both stack formats, load failures, other plugins'
   lines, non-UTF-8 bytes), MB as asked: seconds, MB/s, lines/s, peak traced memory;
2. a sparse 1 GiB log (errors at both ends, NUL bytes between): seconds, peak memory;
3. following: a tail poll that reads 1 MB appended to the large log.
The floor is reading the same bytes with `for line in file` (no parsing), in the same run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path

from spcopilot.diagnostics.runtime.check import read_log
from spcopilot.diagnostics.runtime.tail import LogTail

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "diagnostics" / "runtime" / "fixtures" / "logs"


def generated(path: Path, megabytes: int) -> int:
    blocks = [(FIXTURES / name).read_bytes() for name in sorted(p.name for p in FIXTURES.glob("*.log"))]
    block = b"".join(b if b.endswith(b"\n") else b + b"\n" for b in blocks)
    lines = 0
    with path.open("wb") as out:
        written, n = 0, 0
        while written < megabytes * 1_000_000:
            chunk = block.replace(b"Client 3 ", f"Client {n % 64} ".encode())
            out.write(chunk)
            written += len(chunk)
            lines += chunk.count(b"\n")
            n += 1
    return lines


def measure(label: str, run) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    """Seconds (untraced), then the peak traced memory of a second run (tracemalloc is slow)."""
    started = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{label}: {seconds:.2f} s, peak {peak / 1e6:.1f} MB")
    return seconds, result


def floor(path: Path) -> float:
    started = time.perf_counter()
    with path.open("rb") as f:
        for _ in f:
            pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        big = Path(folder) / "errors_generated.log"
        lines = generated(big, args.mb)
        size = big.stat().st_size
        base = floor(big)
        seconds, summary = measure(f"generated {size / 1e6:.0f} MB, {lines:,} lines", lambda: read_log(big))
        print(f"  {size / 1e6 / seconds:.1f} MB/s, {lines / seconds:,.0f} lines/s; floor (for line in file) "
              f"{base:.2f} s -> {seconds / base:.1f}x; {len(summary.groups)} distinct errors")  # fmt: skip
        sparse = Path(folder) / "errors_sparse.log"
        head = (FIXTURES / "errors_20261206.log").read_bytes()
        with sparse.open("wb") as out:
            out.write(head)
            out.seek((1 << 30) - len(head))
            out.write(head)
        measure("sparse 1 GiB (NUL bytes between two logs)", lambda: read_log(sparse))
        tail = LogTail([big])
        tail.poll()
        with big.open("ab") as out:
            out.write(head * (1_000_000 // len(head)))
        started = time.perf_counter()
        tail.poll()
        print(f"tail poll of 1 MB appended to it: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
