"""Fuzz the real language server over stdio, as an editor under a careless typist would drive
it, and report crashes, hangs, error codes, latency per request kind and memory growth.

    python bench/fuzz_lsp.py [--versions 10000] [--seed 1] [--plugins DIR ...] [--json OUT]
    python bench/fuzz_lsp.py --leak [--cycles 1000] [--edits 10000]

What it sends (bench/hostile_inputs.py makes the texts): real plugins (the bundled examples and
any folder given) after random careless edits; pathological documents (unterminated comments,
strings, char literals and preprocessor lines at the end of the input; every class of code
point in identifiers, strings and comments; deep nesting; megabyte lines; NUL bytes); random
incremental edits, some out of range; every request kind the server offers, at random
positions (some out of range), some cancelled at once with $/cancelRequest; and inline
completions (the replay backend, so the model costs nothing and what is measured is ours).

What it reports: restarts of the server process (the supervisor says so: a crash or a native
hang), hangs (a request unanswered after --hang-s, default 5 s), error codes per method, p50
and p99 per request kind for plugins up to 2,000 lines and for the pathological inputs
separately, inline completion's latency alone and while a slow lint runs, and the resident
memory slope (server and supervisor together). --leak: open/pull/close cycles of one 8 KB
plugin and a run of edits, with the slope after warm-up (KB per cycle, KB per 1,000 edits).
Exit code 1 when anything crashed or hung (the CI slice runs this script).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from hostile_inputs import CODE_POINTS, TYPED, mutate, pathological  # noqa: E402
from lsp_wire import Answer, Wire, rss_kb  # noqa: E402

EXAMPLES = HERE.parent / "examples"
CAPABILITIES = {
    "general": {"positionEncodings": ["utf-16"]},
    "textDocument": {
        "synchronization": {"didSave": True},
        "diagnostic": {},
        "completion": {"completionItem": {"snippetSupport": True}},
        "inlineCompletion": {},
        "hover": {"contentFormat": ["markdown"]},
    },
    "workspace": {"configuration": False, "workspaceEdit": {"documentChanges": True}},
    "window": {"workDoneProgress": False},
}
# request -> the server capability that offers it (requests the server does not offer are skipped)
REQUESTS = {
    "textDocument/hover": "hoverProvider",
    "textDocument/completion": "completionProvider",
    "textDocument/definition": "definitionProvider",
    "textDocument/declaration": "declarationProvider",
    "textDocument/typeDefinition": "typeDefinitionProvider",
    "textDocument/references": "referencesProvider",
    "textDocument/documentHighlight": "documentHighlightProvider",
    "textDocument/prepareRename": "renameProvider",
    "textDocument/rename": "renameProvider",
    "textDocument/signatureHelp": "signatureHelpProvider",
    "textDocument/documentSymbol": "documentSymbolProvider",
    "textDocument/codeAction": "codeActionProvider",
    "textDocument/diagnostic": "diagnosticProvider",
    "textDocument/semanticTokens/full": "semanticTokensProvider",
    "textDocument/prepareCallHierarchy": "callHierarchyProvider",
    "textDocument/inlayHint": "inlayHintProvider",
    "textDocument/inlineCompletion": "inlineCompletionProvider",
    "workspace/symbol": "workspaceSymbolProvider",
}
# request cancelled (we cancelled it), server cancelled (a pull outrun by an edit: ask again),
# content modified, invalid params (we sent garbage)
EXPECTED_ERRORS = {-32800, -32802, -32801, -32602}
# A rename the server refuses (a keyword, an include's name, `this`) is RequestFailed with the reason.
EXPECTED_BY_METHOD = {"textDocument/rename": {-32803}, "textDocument/prepareRename": {-32803}}
PLUGIN_LINES = 2000


class Doc:
    def __init__(self, uri: str, text: str, kind: str) -> None:
        self.uri = uri
        self.lines = text.split("\n")
        self.version = 1
        self.kind = kind  # "plugin" or the pathological generator's name

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def position(self, rng: random.Random, wild: bool = False) -> dict[str, int]:
        if wild and rng.random() < 0.5:
            return {"line": rng.choice([len(self.lines) + 5, 10**6, 2**31 - 1]), "character": rng.choice([0, 10**6])}
        line = rng.randrange(len(self.lines))
        return {"line": line, "character": rng.randint(0, len(self.lines[line]) + (3 if wild else 0))}

    def replace(self, start: dict[str, int], end: dict[str, int], text: str) -> None:
        """What the server does with an in-range edit (positions clamp to their line)."""
        (sl, sc), (el, ec) = _clamp(self.lines, start), _clamp(self.lines, end)
        if (el, ec) < (sl, sc):
            el, ec = sl, sc
        head, tail = self.lines[sl][:sc], self.lines[el][ec:]
        self.lines[sl : el + 1] = (head + text + tail).split("\n")


def _clamp(lines: list[str], p: dict[str, int]) -> tuple[int, int]:
    if p["line"] >= len(lines):
        return len(lines) - 1, len(lines[-1])
    return p["line"], min(p["character"], len(lines[p["line"]]))


class Fuzzer:
    def __init__(self, wire: Wire, root: Path, rng: random.Random, plugins: list[str], offered: set[str]) -> None:
        self.wire = wire
        self.root = root
        self.rng = rng
        self.plugins = plugins
        self.offered = offered
        self.docs: list[Doc] = []
        self.versions = 0
        self.serial = 0
        self.inflight: list[tuple[int, asyncio.Future[Answer], str, str]] = []  # id, future, method, kind
        self.latency: dict[tuple[str, str], list[float]] = defaultdict(list)
        self.errors: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.hangs: list[str] = []
        self.rss: list[tuple[int, int]] = []
        self.verbose = False
        self.pathological_share = 0.4  # of the documents opened

    # -- documents ---------------------------------------------------------------------------
    def open(self) -> Doc:
        self.serial += 1
        if self.rng.random() >= self.pathological_share:
            text, kind = mutate(self.rng.choice(self.plugins), self.rng), "plugin"
            if text.count("\n") > PLUGIN_LINES:
                kind = "pathological"
        else:
            size = self.rng.choice([100, 1_000, 10_000, 100_000, 1_000_000])
            _kind, text = pathological(self.rng, size)
            kind = "pathological"
        doc = Doc((self.root / f"fuzz_{self.serial}.sp").as_uri(), text, kind)
        if self.verbose:
            print(f"open {doc.uri.rsplit('/', 1)[-1]}: {kind}, {len(text)} chars", flush=True)
        self.wire.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": doc.uri, "languageId": "sourcepawn", "version": 1, "text": text}},
        )
        self.docs.append(doc)
        self.versions += 1
        return doc

    def close(self, doc: Doc) -> None:
        self.wire.notify("textDocument/didClose", {"textDocument": {"uri": doc.uri}})
        self.docs.remove(doc)

    def edit(self, doc: Doc) -> None:
        rng = self.rng
        doc.version += 1
        self.versions += 1
        identifier = {"uri": doc.uri, "version": doc.version}
        if rng.random() < 0.03:  # out of range or backwards: then resynchronise with the whole text
            bad = {"range": {"start": doc.position(rng, wild=True), "end": doc.position(rng)}, "text": "x"}
            self.wire.notify("textDocument/didChange", {"textDocument": identifier, "contentChanges": [bad]})
            doc.version += 1
            self.versions += 1
            identifier = {"uri": doc.uri, "version": doc.version}
            self.wire.notify(
                "textDocument/didChange", {"textDocument": identifier, "contentChanges": [{"text": doc.text}]}
            )
            return
        start = doc.position(rng)
        end = start if rng.random() < 0.6 else doc.position(rng)
        if (end["line"], end["character"]) < (start["line"], start["character"]):
            start, end = end, start
        text = rng.choice([rng.choice(TYPED), rng.choice(CODE_POINTS), "", '    HookEvent("pla', "}\n\n{", "\n"])
        doc.replace(start, end, text)
        change = {"range": {"start": start, "end": end}, "text": text}
        self.wire.notify("textDocument/didChange", {"textDocument": identifier, "contentChanges": [change]})

    # -- requests ----------------------------------------------------------------------------
    def request(self, doc: Doc) -> None:
        method = self.rng.choice(sorted(self.offered))
        params = self.params(method, doc)
        msg_id, future = self.wire.send_request(method, params)
        kind = "plugin" if doc.kind == "plugin" else "pathological"
        self.inflight.append((msg_id, future, method, kind))
        if self.rng.random() < 0.1:
            self.wire.cancel(msg_id)

    def params(self, method: str, doc: Doc) -> dict[str, Any]:
        rng = self.rng
        where = {"textDocument": {"uri": doc.uri}, "position": doc.position(rng, wild=rng.random() < 0.05)}
        if method == "workspace/symbol":
            return {"query": rng.choice(["", "On", "Hook", "x\u202e", "\U0010ffff"])}
        if method in ("textDocument/documentSymbol", "textDocument/diagnostic", "textDocument/semanticTokens/full"):
            return {"textDocument": {"uri": doc.uri}}
        if method == "textDocument/codeAction":
            p = doc.position(rng)
            return {"textDocument": {"uri": doc.uri}, "range": {"start": p, "end": p}, "context": {"diagnostics": []}}
        if method == "textDocument/inlayHint":
            return {
                "textDocument": {"uri": doc.uri},
                "range": {"start": {"line": 0, "character": 0}, "end": doc.position(rng)},
            }
        if method == "textDocument/references":
            return {**where, "context": {"includeDeclaration": rng.random() < 0.5}}
        if method == "textDocument/rename":
            return {**where, "newName": rng.choice(["renamed", "x y", "", "\u00e9t\u00e9"])}
        if method == "textDocument/inlineCompletion":
            return {**where, "context": {"triggerKind": 2}}
        return where

    async def settle(self, all_: bool = False) -> None:
        keep = 0 if all_ else 8
        while len(self.inflight) > keep:
            msg_id, future, method, kind = self.inflight.pop(0)
            answer = await self.wire.wait(msg_id, future)
            if self.verbose:
                print(
                    f"  {method} #{msg_id} ({kind}): {'HANG' if answer.timed_out else f'{answer.ms:.0f} ms'}",
                    flush=True,
                )
            if answer.timed_out:
                self.hangs.append(method)
                continue
            self.latency[(kind, method)].append(answer.ms)
            if answer.error:
                self.errors[method][int(answer.error.get("code", 0))] += 1

    # -- the run -----------------------------------------------------------------------------
    async def run(self, versions: int, rate: float) -> None:
        """`rate` document versions a second at most (a fast typist makes ~10; 0: no pacing,
        a flood that measures queueing more than anything)."""
        started = time.perf_counter()
        while self.versions < versions and self.wire.alive:
            if rate and self.versions > (time.perf_counter() - started) * rate:
                await asyncio.sleep(1 / rate)
            if not self.docs or (len(self.docs) < 6 and self.rng.random() < 0.02):
                self.open()
            doc = self.rng.choice(self.docs)
            roll = self.rng.random()
            if roll < 0.6:
                self.edit(doc)
            elif roll < 0.97:
                self.request(doc)
            elif len(self.docs) > 1:
                self.close(doc)
            if self.versions % 50 == 0:
                await self.wire.drain()
                await self.settle()
                if self.verbose:
                    print(
                        f"{self.versions} versions, {len(self.docs)} open, {len(self.hangs)} hangs {self.hangs[-3:]}",
                        flush=True,
                    )
            if self.versions % 200 == 0 and (not self.rss or self.rss[-1][0] != self.versions):
                self.rss.append((self.versions, rss_kb(self.wire.process.pid)))
            await asyncio.sleep(0)
        await self.settle(all_=True)


async def rss_after_closing(fuzzer: Fuzzer) -> float:
    """RSS once every document is closed (a few seconds later): what the run's growth kept. The
    server holds a megabyte document's trees while it is open (a tree of a million nodes is tens
    of MB); a leak would keep them after the close."""
    for doc in list(fuzzer.docs):
        fuzzer.close(doc)
    await fuzzer.wire.drain()
    await asyncio.sleep(3)
    return rss_kb(fuzzer.wire.process.pid) / 1024


async def inline_alone_and_behind_a_lint(wire: Wire, root: Path, plugin: str) -> dict[str, float]:
    """Inline completion's latency on a plugin with nothing else going on, and right after a
    document whose lint takes long was opened (the lint is running meanwhile)."""
    uri = (root / "inline.sp").as_uri()
    wire.notify(
        "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "sourcepawn", "version": 1, "text": plugin}}
    )
    position = {"line": plugin.count("\n") // 2, "character": 0}
    params = {"textDocument": {"uri": uri}, "position": position, "context": {"triggerKind": 2}}
    alone = []
    for _ in range(20):
        alone.append((await wire.request("textDocument/inlineCompletion", params)).ms)
    heavy = "void F()\n{\n" + "if (a) {\n" * 20000 + "}\n" * 20000 + "}\n" + plugin * 20
    behind = []
    for i in range(10):
        heavy_uri = (root / f"heavy_{i}.sp").as_uri()
        wire.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": heavy_uri, "languageId": "sourcepawn", "version": 1, "text": heavy}},
        )
        lint = wire.send_request("textDocument/diagnostic", {"textDocument": {"uri": heavy_uri}})
        await asyncio.sleep(0.05)  # the heavy lint is under way
        behind.append((await wire.request("textDocument/inlineCompletion", params)).ms)
        lint_answer = await wire.wait(*lint, timeout=60)
        behind_lint = lint_answer.ms
        wire.notify("textDocument/didClose", {"textDocument": {"uri": heavy_uri}})
    return {"alone_p50": statistics.median(alone), "behind_p50": statistics.median(behind),
            "behind_max": max(behind), "heavy_lint_ms": behind_lint}  # fmt: skip


async def leak(wire: Wire, root: Path, plugin: str, cycles: int, edits: int, warmup: int) -> dict[str, float]:
    """RSS over `cycles` open/pull/close cycles of one 8 KB document after `warmup` unmeasured
    ones (caches fill, and the interpreter's tables grow in steps of up to a megabyte: a step
    inside the measured cycles would read as a leak), then over `edits` edits."""
    text = (plugin * (8000 // len(plugin) + 1))[:8000]
    uri = (root / "leak.sp").as_uri()
    samples: list[tuple[int, int]] = []
    for i in range(-warmup, cycles):
        wire.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "sourcepawn", "version": 1, "text": text}},
        )
        await wire.request("textDocument/diagnostic", {"textDocument": {"uri": uri}}, timeout=30)
        wire.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        if i >= 0 and (i % 25 == 0 or i == cycles - 1):
            samples.append((i, rss_kb(wire.process.pid)))
    per_cycle = _slope(samples)
    wire.notify(
        "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "sourcepawn", "version": 1, "text": text}}
    )
    line = text.count("\n") // 2
    edit_samples: list[tuple[int, int]] = []
    for i in range(edits):
        change = {"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 1 if i % 2 else 0}},
                  "text": "" if i % 2 else "x"}  # fmt: skip
        wire.notify(
            "textDocument/didChange", {"textDocument": {"uri": uri, "version": i + 2}, "contentChanges": [change]}
        )
        if i % 10 == 0:
            await wire.request("textDocument/diagnostic", {"textDocument": {"uri": uri}}, timeout=30)
        if i % 250 == 0 or i == edits - 1:
            edit_samples.append((i, rss_kb(wire.process.pid)))
    return {
        "cycles": cycles,
        "warmup": warmup,
        "kb_per_cycle": per_cycle,
        "rss_mb_start": samples[0][1] / 1024,
        "rss_mb_end": samples[-1][1] / 1024,
        "edits": edits,
        "kb_per_1000_edits": _slope(edit_samples[len(edit_samples) // 3 :]) * 1000,
        "rss_mb_after_edits": edit_samples[-1][1] / 1024 if edit_samples else 0.0,
    }


def _slope(points: list[tuple[int, int]]) -> float:
    if len(points) < 2:
        return 0.0
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else 0.0


def plugin_texts(folders: list[Path]) -> list[str]:
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(EXAMPLES.glob("*.sp"))]
    for folder in folders:
        for path in sorted(folder.rglob("*.sp")):
            text = path.read_text(encoding="utf-8", errors="replace")
            if text.count("\n") <= PLUGIN_LINES:
                texts.append(text)
    return texts


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="spcopilot-fuzz-"))
    root, cache = work / "workspace", work / "cache"
    root.mkdir()
    replay = work / "replay.jsonl"
    replay.write_text(json.dumps({"output": 'HookEvent("round_start", Event_RoundStart);'}) + "\n")
    settings = {"lint-workspace": False, "backend": "replay", "replay-file": str(replay), "inline-debounce-ms": 1}
    settings.update(dict(args.setting))
    env = {"SPCOPILOT_HANG_S": str(args.native_hang_s)}
    if args.stalls:
        Path(args.stalls).write_text("")
        env["SPCOPILOT_STALL_LOG"] = str(Path(args.stalls).resolve())
    command = [sys.executable, "-m", "spcopilot.server.lsp", "--log-level", "info"] if args.server_log else None
    wire = await Wire.start(root, cache, command=command, env=env, log=args.server_log)
    wire.timeout = args.hang_s
    result: dict[str, Any] = {}
    try:
        init = await wire.initialize(root, CAPABILITIES, settings)
        caps = (init.result or {}).get("capabilities", {})
        offered = {m for m, cap in REQUESTS.items() if caps.get(cap)} | {"textDocument/inlineCompletion"}
        plugins = plugin_texts([Path(p) for p in args.plugins])
        rng = random.Random(args.seed)
        started = time.perf_counter()
        if args.leak:
            result["leak"] = await leak(wire, root, plugins[0], args.cycles, args.edits, args.warmup)
        else:
            fuzzer = Fuzzer(wire, root, rng, plugins, offered)
            fuzzer.verbose = args.verbose
            fuzzer.pathological_share = args.pathological_share
            await fuzzer.run(args.versions, args.rate)
            result.update(report(fuzzer, wire))
            result["rss_mb_after_closing"] = await rss_after_closing(fuzzer)
            result["inline"] = await inline_alone_and_behind_a_lint(wire, root, plugins[0])
        result["seconds"] = time.perf_counter() - started
        result["restarts"] = [m["params"]["message"] for m in wire.notifications
                              if m.get("method") == "window/showMessage" and "restarted" in str(m.get("params"))]  # fmt: skip
        result["server_alive"] = wire.alive
    finally:
        code = await wire.stop()
        result["exit_code"] = code
        shutil.rmtree(work, ignore_errors=True)
    return result


def report(fuzzer: Fuzzer, wire: Wire) -> dict[str, Any]:
    latency = {
        f"{kind} {method}": {"n": len(v), "p50": pct(v, 50), "p99": pct(v, 99), "max": max(v)}
        for (kind, method), v in sorted(fuzzer.latency.items())
    }
    rss = fuzzer.rss
    return {
        "versions": fuzzer.versions,
        "hangs": fuzzer.hangs + wire.hangs,
        "errors": {m: dict(c) for m, c in fuzzer.errors.items()},
        "unexpected_errors": {
            m: {c: n for c, n in codes.items() if c not in EXPECTED_ERRORS | EXPECTED_BY_METHOD.get(m, set())}
            for m, codes in fuzzer.errors.items()
            if any(c not in EXPECTED_ERRORS | EXPECTED_BY_METHOD.get(m, set()) for c in codes)
        },
        "latency": latency,
        "rss_mb": [(v, kb / 1024) for v, kb in rss],
        "rss_kb_per_1000_versions": _slope(rss[len(rss) // 2 :]) * 1000,
        "garbage": len(wire.garbage),
    }


def print_report(result: dict[str, Any]) -> None:
    if "leak" in result:
        leak = result["leak"]
        print(f"open/pull/close cycles: {leak['cycles']} after {leak['warmup']} to warm up: "
              f"{leak['rss_mb_start']:.1f} -> {leak['rss_mb_end']:.1f} MB, slope {leak['kb_per_cycle']:.2f} KB/cycle")  # fmt: skip
        print(f"edits: {leak['edits']}: slope {leak['kb_per_1000_edits']:.1f} KB per 1,000 edits, "
              f"{leak['rss_mb_after_edits']:.1f} MB at the end")  # fmt: skip
    else:
        print(f"document versions: {result['versions']} in {result['seconds']:.0f} s")
        print(
            f"restarts (crashes or native hangs): {len(result['restarts'])}; hangs (> answer limit): {len(result['hangs'])}"
        )
        print(f"unexpected error codes: {result['unexpected_errors'] or 'none'}; all error codes: {result['errors']}")
        print("\n| documents | request | n | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|")
        for key, row in result["latency"].items():
            kind, method = key.split(" ", 1)
            print(f"| {kind} | `{method}` | {row['n']} | {row['p50']:.1f} | {row['p99']:.1f} | {row['max']:.1f} |")
        inline = result["inline"]
        print(f"\ninline completion alone p50 {inline['alone_p50']:.1f} ms; while a {inline['heavy_lint_ms']:.0f} ms lint "
              f"runs p50 {inline['behind_p50']:.1f} ms, max {inline['behind_max']:.1f} ms")  # fmt: skip
        print(f"RSS slope over the second half: {result['rss_kb_per_1000_versions']:.0f} KB per 1,000 versions")
        rss = result["rss_mb"]
        print(f"RSS {rss[0][1] if rss else 0:.0f} MB at the first sample, {max((m for _, m in rss), default=0):.0f} MB "
              f"at most, {result['rss_mb_after_closing']:.0f} MB with every document closed")  # fmt: skip
    print(f"server alive at the end: {result['server_alive']}, exit code {result['exit_code']}")


# Innermost functions of a thread that waits rather than works (the stall was not its doing).
IDLE = {"wait", "select", "_worker", "readline", "read", "_read", "sleep", "beat", "_run", "get", "_watch"}


def print_stalls(path: Path, top: int = 12) -> None:
    """The stalls the server recorded (server/lsp/stalls.py), summed up by what the threads that
    were not waiting were doing, most total lateness first."""
    count: dict[str, int] = defaultdict(int)
    late: dict[str, float] = defaultdict(float)
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for record in records:
        busy = sorted(
            f"{name}: {' < '.join(reversed(frames[-3:]))}"
            for name, frames in record["threads"].items()
            if frames and frames[-1].rsplit(":", 1)[-1] not in IDLE
        )
        key = " | ".join(busy) or "(every thread waiting: the process was not scheduled)"
        count[key] += 1
        late[key] += record["late_ms"]
    print(f"\nstalls (the server's watcher woke over 25 ms late): {len(records)}, {sum(late.values()) / 1000:.1f} s "
          "in all; by what the threads that were not waiting were doing:")  # fmt: skip
    for key in sorted(late, key=late.get, reverse=True)[:top]:  # type: ignore[arg-type]
        print(f"  {count[key]:4d} x, {late[key]:7.0f} ms: {key[:400]}")


def _setting(text: str) -> tuple[str, Any]:
    key, _, value = text.partition("=")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--versions", type=int, default=10_000)
    parser.add_argument(
        "--setting", action="append", default=[], type=_setting, metavar="KEY=JSON",
        help="a server setting over the bench's own (e.g. max-file-mb=0.5); repeatable",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plugins", nargs="*", default=[], help="folders of .sp files to mutate (besides examples/)")
    parser.add_argument("--hang-s", type=float, default=5.0, help="a request unanswered this long is a hang")
    parser.add_argument("--native-hang-s", type=float, default=8.0, help="the supervisor's limit (SPCOPILOT_HANG_S)")
    parser.add_argument("--leak", action="store_true", help="measure memory over open/close cycles and edits instead")
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=200, help="open/close cycles before the measured ones")
    parser.add_argument("--edits", type=int, default=10_000)
    parser.add_argument("--json", type=Path, help="write the result as JSON here")
    parser.add_argument("--rate", type=float, default=50.0,
                        help="document versions a second at most (default 50: a fast typist makes ~10; 0: a flood)")  # fmt: skip
    parser.add_argument("--pathological-share", type=float, default=0.4,
                        help="share of the documents opened that are pathological (0: real plugins only)")  # fmt: skip
    parser.add_argument("--verbose", action="store_true", help="a line every 50 versions")
    parser.add_argument("--server-log", type=Path, help="append the server's stderr (log level info) here")
    parser.add_argument("--stalls", type=Path,
                        help="record what held the server's interpreter lock here (server/lsp/stalls.py) and sum it up")  # fmt: skip
    args = parser.parse_args()
    result = asyncio.run(main_async(args))
    print_report(result)
    if args.stalls:
        print_stalls(args.stalls)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=str))
    bad = result["restarts"] or result.get("hangs") or not result["server_alive"]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
