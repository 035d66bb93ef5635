"""Fuzz the REST API (`spcopilot api`, loopback only, bounded) and measure whether one heavy
request makes small ones wait.

    python bench/fuzz_api.py [--requests 400] [--seed 1] [--json OUT]

1. Malformed and pathological requests to every endpoint: bodies that are not JSON, JSON of the
   wrong shape, deeply nested JSON, lone surrogates, NUL bytes, huge strings, bodies over the
   size limit, chunked bodies, and SourcePawn that breaks parsers (bench/hostile_inputs.py:
   unterminated constructs at the end, odd code points, deep nesting, megabyte lines) sent to
   /v1/check, /v1/complete, /v1/generate-plugin and /v1/chat/completions (the replay backend
   answers the model requests, so what is measured is ours). Reports: whether the API process
   survived, status codes per endpoint, 5xx answers, requests that got no answer in time.
2. Fairness: 49 small /v1/check requests at once (a real plugin each), alone, then again with
   one 1 MiB pathological body among them (50 in parallel). Reports the small requests' p95
   in both runs and the ratio (target: within 2x of their cost alone).
Exit code 1 when the API died or a request hung.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from hostile_inputs import CODE_POINTS, mutate, pathological  # noqa: E402

EXAMPLES = HERE.parent / "examples"
LISTENING = re.compile(r"spcopilot api: listening on (http://\S+)")
ENDPOINTS = ["/v1/check", "/v1/complete", "/v1/generate-plugin", "/v1/chat/completions"]
ANSWER_S = 60.0  # a request with no answer after this long is a hang


def start_api(work: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    replay = work / "replay.jsonl"
    replay.write_text(json.dumps({"output": "```sourcepawn\npublic void OnPluginStart() {}\n```"}) + "\n")
    log = work / "api.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPCOPILOT_", "OPENAI_"))}
    env["SPCOPILOT_CACHE_DIR"] = str(work / "cache")
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "spcopilot", "api", "--host", "127.0.0.1", "--port", "0",
             "--backend", "replay", "--replay-file", str(replay)],
            cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=sink,
        )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = LISTENING.search(log.read_text(errors="replace"))
        if found:
            return process, found.group(1), log
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise SystemExit(f"spcopilot api did not start:\n{log.read_text(errors='replace')}")


# -- 1. malformed and pathological requests ---------------------------------------------------------
def malformed_bodies(rng: random.Random) -> list[tuple[str, bytes, dict[str, str]]]:
    """(endpoint, body, extra headers) of requests no client should send."""
    nested = b"[" * 100_000 + b"]" * 100_000
    out: list[tuple[str, bytes, dict[str, str]]] = []
    for endpoint in ENDPOINTS:
        out += [
            (endpoint, b"", {}),
            (endpoint, b"not json", {}),
            (endpoint, b"{", {}),
            (endpoint, b"[]", {}),
            (endpoint, b"null", {}),
            (endpoint, nested, {}),
            (endpoint, json.dumps({"code": 42, "messages": "x", "prompt": ["a"]}).encode(), {}),
            (endpoint, b'{"code": "\\ud800", "prompt": "\\udfff"}', {}),
            (endpoint, b'{"code": "a\\u0000b", "prompt": "\\u0000"}', {}),
            (endpoint, json.dumps({"code": "x" * 2_000_000}).encode(), {}),  # over the body limit
            (endpoint, json.dumps({"max_tokens": 10**9, "prompt": "x", "messages": []}).encode(), {}),
            (endpoint, json.dumps({"prompt": "".join(rng.choice(CODE_POINTS[4:22]) for _ in range(500))}).encode(), {}),
            (endpoint, b'{"code": "x"}', {"Content-Type": "text/plain"}),
        ]
    return out


def hostile_requests(rng: random.Random, plugins: list[str], count: int) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for _ in range(count):
        if rng.random() < 0.5:
            code = mutate(rng.choice(plugins), rng)
        else:
            code = pathological(rng, rng.choice([100, 10_000, 200_000]))[1].replace("\ud800", "").replace("\udfff", "")
        endpoint = rng.choice(ENDPOINTS)
        if endpoint == "/v1/check":
            body: dict[str, Any] = {"code": code, "fix": rng.random() < 0.3, "unsafe_fixes": rng.random() < 0.2}
        elif endpoint == "/v1/complete":
            at = rng.randrange(len(code) + 1)
            body = {"prefix": code[:at], "suffix": code[at:], "max_tokens": 16}
        elif endpoint == "/v1/generate-plugin":
            body = {"prompt": code[:2000], "max_tokens": 32}
        else:
            body = {
                "messages": [{"role": "user", "content": code[:4000]}],
                "max_tokens": 32,
                "stream": rng.random() < 0.5,
            }
        out.append((endpoint, body))
    return out


async def fuzz(url: str, rng: random.Random, plugins: list[str], count: int) -> dict[str, Any]:
    statuses: dict[str, dict[int, int]] = {}
    hangs: list[str] = []
    server_errors: list[str] = []
    limits = httpx.Limits(max_connections=8)
    async with httpx.AsyncClient(base_url=url, timeout=ANSWER_S, limits=limits) as http:

        async def send(endpoint: str, content: bytes, headers: dict[str, str]) -> None:
            try:
                answer = await http.post(
                    endpoint, content=content, headers={"Content-Type": "application/json", **headers}
                )
                code = answer.status_code
            except httpx.TimeoutException:
                hangs.append(endpoint)
                return
            except httpx.HTTPError as error:  # the connection broke: count it as a server error
                code = -1
                server_errors.append(f"{endpoint}: {type(error).__name__}")
            statuses.setdefault(endpoint, {}).setdefault(code, 0)
            statuses[endpoint][code] += 1
            if code >= 500 and code != 504:
                server_errors.append(f"{endpoint}: {code}")

        jobs = [send(e, b, h) for e, b, h in malformed_bodies(rng)] + [raw(url, r) for r in RAW_REQUESTS]
        jobs += [send(e, json.dumps(b).encode(), {}) for e, b in hostile_requests(rng, plugins, count)]
        rng.shuffle(jobs)
        for start in range(0, len(jobs), 8):
            await asyncio.gather(*jobs[start : start + 8])
    return {"statuses": statuses, "hangs": hangs, "server_errors": server_errors}


# Requests no HTTP client library will send: a body shorter than its Content-Length (the client
# goes away), a header line without a colon, not HTTP at all.
RAW_REQUESTS = [
    b'POST /v1/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 999999\r\n\r\n{"code": "x"}',
    b"POST /v1/check HTTP/1.1\r\nHost: 127.0.0.1\r\nthis is no header\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n",
    b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Filler: " + b"a" * 100_000 + b"\r\n\r\n",
]


async def raw(url: str, request: bytes) -> None:
    host, port = url.removeprefix("http://").rstrip("/").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(request)
        await writer.drain()
        writer.write_eof()
        await asyncio.wait_for(reader.read(65536), 10)
    except (OSError, asyncio.TimeoutError):
        pass
    finally:
        writer.close()


# -- 2. fairness --------------------------------------------------------------------------------------
async def fairness(url: str, small: str, heavy: str, rounds: int) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=url, timeout=ANSWER_S, limits=httpx.Limits(max_connections=64)) as http:

        async def timed(code: str) -> float:
            started = time.perf_counter()
            answer = await http.post("/v1/check", json={"code": code})
            answer.raise_for_status()
            return (time.perf_counter() - started) * 1000

        await asyncio.gather(*(timed(small) for _ in range(8)))  # warm the workers up
        alone, mixed, heavy_ms = [], [], []
        for _ in range(rounds):
            alone.append(_p95(await asyncio.gather(*(timed(small) for _ in range(49)))))
            heavy_task = asyncio.ensure_future(timed(heavy))
            await asyncio.sleep(0)
            mixed.append(_p95(await asyncio.gather(*(timed(small) for _ in range(49)))))
            heavy_ms.append(await heavy_task)
    return {
        "small_p95_alone_ms": statistics.median(alone),
        "small_p95_with_heavy_ms": statistics.median(mixed),
        "ratio": statistics.median(mixed) / statistics.median(alone),
        "heavy_ms": statistics.median(heavy_ms),
    }


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def heavy_body() -> str:
    """About 1 MiB of code that is hard for a parser: nesting a megabyte deep."""
    depth = 330_000
    return "int x = " + "(" * depth + "0" + ")" * depth + ";\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="hostile requests besides the malformed ones")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3, help="fairness rounds (medians are reported)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    plugins = [p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.sp"))]
    work = Path(tempfile.mkdtemp(prefix="spcopilot-fuzz-api-"))
    process, url, _log = start_api(work)
    try:
        started = time.perf_counter()
        result: dict[str, Any] = {"fuzz": asyncio.run(fuzz(url, rng, plugins, args.requests))}
        result["fuzz_seconds"] = time.perf_counter() - started
        result["alive_after_fuzz"] = process.poll() is None
        if result["alive_after_fuzz"] and args.rounds:
            result["fairness"] = asyncio.run(fairness(url, plugins[0], heavy_body(), args.rounds))
        result["alive"] = process.poll() is None
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(work, ignore_errors=True)
    fz = result["fuzz"]
    print(f"API alive after the fuzz: {result['alive_after_fuzz']}; hangs: {len(fz['hangs'])}; "
          f"5xx other than 504: {len(fz['server_errors'])} {fz['server_errors'][:5]}")  # fmt: skip
    for endpoint, codes in sorted(fz["statuses"].items()):
        print(f"  {endpoint}: {dict(sorted(codes.items()))}")
    if "fairness" in result:
        f = result["fairness"]
        print(f"small /v1/check p95: alone {f['small_p95_alone_ms']:.0f} ms, with a 1 MiB pathological body among "
              f"them {f['small_p95_with_heavy_ms']:.0f} ms ({f['ratio']:.2f}x; the heavy one took {f['heavy_ms']:.0f} ms)")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0 if result["alive"] and not fz["hangs"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
