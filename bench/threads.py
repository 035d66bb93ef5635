"""llama.cpp generation speed against its thread count, with and without background CPU load.

    python bench/threads.py [--threads 1,2,4] [--load N] [--tokens 64] [--runs 3] [--gguf PATH]

The model is the real pretrained one (SmolLM2-135M-Instruct Q4_1, spcopilot.server.ai.pretrained)
unless --gguf names another. For each thread count the model is loaded once, warmed up, then asked
`--runs` times for `--tokens` greedy tokens (the repeat penalty keeps it from stopping early on
a loop) after a ~100-token code prompt, first on the machine as it is, then with `--load` busy
processes beside it (default: one per CPU this process may use), which is what an editor, the
language server and a compile do to a laptop. Figures: decode tokens/s (first to last token) and
the whole request's seconds (prompt included), medians; a generation is cut at `--cap` seconds
(a thread count that collapses would otherwise run for minutes); and how much work the busy
processes got done while the model generated, against their pace alone just before (what the
editor feels). Prints the machine (CPU, cores, load average before and after) and a markdown
table; nothing asserts on it. `--threads 0` is the server's default (half the cores).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROMPT = (
    "#include <sourcemod>\n#include <sdktools>\n\n#pragma semicolon 1\n#pragma newdecls required\n\n"
    'public Plugin myinfo =\n{\n\tname = "Tank HP",\n\tauthor = "me",\n\tdescription = "Announces the tank\'s '
    'health",\n\tversion = "1.0",\n};\n\npublic void OnPluginStart()\n{\n\tHookEvent("tank_spawn", Event_TankSpawn);\n'
    "}\n\npublic void Event_TankSpawn(Event event, const char[] name, bool dontBroadcast)\n{\n\tint tank = "
    'GetClientOfUserId(event.GetInt("userid"));\n\t'
)


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def _spin(stop: Any, done: Any) -> None:
    x = 0
    while not stop.is_set():
        for _ in range(20_000):
            x = (x * 31 + 7) % 1_000_003
        with done.get_lock():
            done.value += 1


class Background:
    """`processes` busy processes (pure Python arithmetic, standing in for the editor and the
    language server), counting the work they get done."""

    def __init__(self, processes: int) -> None:
        spawn = multiprocessing.get_context("spawn")  # (not a fork of a process that holds llama.cpp's threads)
        self.stop, self.done = spawn.Event(), spawn.Value("q", 0)
        self.workers = [spawn.Process(target=_spin, args=(self.stop, self.done), daemon=True) for _ in range(processes)]

    def rate(self, seconds: float) -> float:
        """Work units per second over the next `seconds`."""
        start = self.done.value
        time.sleep(seconds)
        return (self.done.value - start) / seconds

    def __enter__(self) -> Background:
        for w in self.workers:
            w.start()
        time.sleep(0.5)  # let them take their share before measuring
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for w in self.workers:
            w.join(5)
            if w.is_alive():
                w.kill()


@dataclass
class Sample:
    tokens: int
    decode_s: float
    total_s: float
    finish: str

    @property
    def tokens_per_s(self) -> float:
        return (self.tokens - 1) / self.decode_s if self.tokens > 1 and self.decode_s > 0 else 0.0


def generate(backend: object, tokens: int, cap_s: float) -> Sample:
    from spcopilot.server.ai.backends.base import GenerationOptions

    stamps: list[float] = []
    options = GenerationOptions(max_tokens=tokens, temperature=0.0, repeat_penalty=1.1, timeout_s=cap_s)
    started = time.perf_counter()
    done = backend.complete(PROMPT, options, on_token=lambda _: stamps.append(time.perf_counter()))  # type: ignore[attr-defined]
    total = time.perf_counter() - started
    decode = stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0
    return Sample(done.usage.completion_tokens, decode, total, done.finish_reason)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


@dataclass
class Row:
    threads: int
    is_default: bool
    load: int
    samples: list[Sample]
    background_pace: float = 0.0  # the background's work rate while generating / alone

    @property
    def tokens_per_s(self) -> float:
        return median([s.tokens_per_s for s in self.samples])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gguf", type=Path, help="default: the real pretrained model (fetched and cached)")
    parser.add_argument("--threads", default="1,2,4", help="comma-separated thread counts (0: the server's default)")
    parser.add_argument("--load", type=int, default=cpus(), help="busy background processes (default: one per CPU)")
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cap", type=float, default=60.0, help="seconds before a generation is cut")
    args = parser.parse_args()

    from spcopilot.server.ai.backends.llamacpp import LlamaCppBackend
    from spcopilot.server.ai.pretrained import pretrained_model

    gguf = args.gguf or pretrained_model().gguf
    counts = [int(t) for t in args.threads.split(",") if t.strip()]
    before = load_average()
    rows = []
    for count in counts:
        backend = LlamaCppBackend(gguf, threads=count or None)
        try:
            generate(backend, 8, args.cap)  # warm-up: pages the model in
            samples = [generate(backend, args.tokens, args.cap) for _ in range(args.runs)]
            rows.append(Row(backend.threads, count == 0, 0, samples))
            with Background(args.load) as background:
                alone = background.rate(3.0)  # the background's own pace, no generation running
                start, began = background.done.value, time.perf_counter()
                samples = [generate(backend, args.tokens, args.cap) for _ in range(args.runs)]
                beside = (background.done.value - start) / (time.perf_counter() - began)
            rows.append(Row(backend.threads, count == 0, args.load, samples, beside / alone if alone else 0.0))
            for row in rows[-2:]:
                print(f"threads {row.threads}, load {row.load}: {row.tokens_per_s:.1f} tok/s", file=sys.stderr)
        finally:
            backend.close()
    after = load_average()

    print(f"**Machine**: {cpu_name()}, {cpus()} CPUs for this process; load average (1/5/15 min) "
          f"{before} before, {after} after; model {gguf.name}; {args.tokens} greedy tokens after a "
          f"{len(PROMPT)}-character prompt, median of {args.runs}; background load: {args.load} busy "
          f"processes.\n")  # fmt: skip
    print("| threads | background load | decode tokens/s | seconds per request | cut at the cap | "
          "background's pace while generating |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for row in rows:
        label = f"{row.threads} (default)" if row.is_default else str(row.threads)
        cut = sum(s.finish == "time" for s in row.samples)
        pace = f"{row.background_pace:.0%} of alone" if row.load else ""
        print(f"| {label} | {f'{row.load} busy processes' if row.load else 'none added'} | {row.tokens_per_s:.1f} | "
              f"{median([s.total_s for s in row.samples]):.1f} | {cut}/{len(row.samples)} | {pace} |")  # fmt: skip


if __name__ == "__main__":
    main()
