"""REST API throughput and latency of /v1/check under concurrent clients on loopback; prints a
markdown table.

    python bench/api_load.py [--lines 1000] [--clients 1,4,16] [--requests 300]

A real `spcopilot api` (uvicorn, started as users start it, on 127.0.0.1, `--log-level warning`
so that no access-log line is written per request) and N clients in this process (httpx async,
one keep-alive connection each, each sending its next request when its answer arrives). Every
check lints the same realistic plugin (bench/sample_plugins.py: event callbacks, timers,
commands, netprops, ADT arrays, menus; `--lines` lines). The floors, measured in the same run:
- the engine alone: `lint()` of the same text in this process, on one core;
- the route's own function, `check_code()`, in this process (lint + include scope + JSON);
- the HTTP round trip alone: GET /health, at the same concurrency.
Reported: requests/s and p50/p95 latency per row, and each row's throughput and p50 as ratios to
the in-process lint. Bounded: `--requests` per row after a warm-up. Nothing asserts on them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from sample_plugins import plugin  # noqa: E402


@dataclass
class Row:
    name: str
    clients: int
    seconds: list[float]  # each request's latency
    elapsed: float  # wall time for all of them

    @property
    def per_second(self) -> float:
        return len(self.seconds) / self.elapsed

    def pct_ms(self, p: float) -> float:
        ordered = sorted(self.seconds)
        return 1000 * ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def in_process(name: str, work: Callable[[], object], count: int) -> Row:
    for _ in range(5):
        work()
    seconds = []
    started = time.perf_counter()
    for _ in range(count):
        begin = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - begin)
    return Row(name, 1, seconds, time.perf_counter() - started)


async def over_http(url: str, name: str, method: str, path: str, body: Any, clients: int, count: int) -> Row:
    import httpx

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as http:

        async def one() -> float:
            begin = time.perf_counter()
            answer = await http.request(method, path, json=body)
            answer.raise_for_status()
            return time.perf_counter() - begin

        await asyncio.gather(*(one() for _ in range(clients * 2)))  # warm-up: connections, caches
        seconds: list[float] = []
        left = count

        async def client() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                seconds.append(await one())

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        return Row(name, clients, seconds, time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000, help="size of the plugin checked")
    parser.add_argument("--clients", default="1,4,16", help="concurrent clients, a row each")
    parser.add_argument("--requests", type=int, default=300, help="requests per row")
    args = parser.parse_args()
    concurrency = [int(n) for n in args.clients.split(",")]

    from spcopilot.diagnostics.engine import lint
    from spcopilot.diagnostics.linter import Linter
    from spcopilot.server.api.checking import check_code

    from tests.api.live_server import start_api

    text = plugin(args.lines)
    lines = text.count("\n")
    body = {"code": text, "path": "director.sp"}
    floor = in_process("`lint()` in process (floor)", lambda: lint(text, "director.sp"), args.requests)
    linter = Linter()
    route = in_process("`check_code()` in process (the route's function)",
                       lambda: check_code(linter, text, "director.sp"), args.requests)  # fmt: skip
    rows = [floor, route]
    with tempfile.TemporaryDirectory(prefix="spc-api-bench-") as tmp:
        server = start_api(["--log-level", "warning"], Path(tmp))
        try:
            for clients in concurrency:
                rows.append(asyncio.run(over_http(server.url, "GET /health (HTTP floor)", "GET", "/health", None,
                                                  clients, args.requests)))  # fmt: skip
            for clients in concurrency:
                rows.append(asyncio.run(over_http(server.url, "POST /v1/check", "POST", "/v1/check", body,
                                                  clients, args.requests)))  # fmt: skip
        finally:
            server.stop()

    lint_ms = statistics.median(floor.seconds) * 1000
    print(f"### /v1/check under load ({lines}-line plugin, {args.requests} requests a row, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}; floor = `lint()` in process, median {lint_ms:.1f} ms)\n")  # fmt: skip
    print("| Measure | clients | requests/s | p50 ms | p95 ms | throughput / floor | p50 / floor |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row.name} | {row.clients} | {row.per_second:,.0f} | {row.pct_ms(50):.1f} | {row.pct_ms(95):.1f} | "
              f"{row.per_second / floor.per_second:.2f} | {row.pct_ms(50) / floor.pct_ms(50):.2f} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
