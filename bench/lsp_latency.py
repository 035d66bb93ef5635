"""Language server latency, start time and memory; prints a markdown table.

    python bench/lsp_latency.py [--keystrokes 200] [--lines 10000] [--includes 300]

- keystroke -> diagnostics on a generated 10 000-line plugin: in process (document edit,
  incremental parse, lint, conversion to LSP diagnostics) and over a real stdio round trip
  (didChange -> publishDiagnostics with debounce 0; didChange -> textDocument/diagnostic);
- completion (event fields in a hooked callback, natives by prefix), in process and over LSP;
- server start with a 300-file include index, cold (empty cache) and warm: until the
  initialize answer, the first diagnostics, and the index being built;
- the server's resident memory (no model) with that plugin open and the index built.
The floor of each table is a full tree-sitter parse of the same plugin (design: results as
ratios to a floor measured in the same run). Targets are printed next to the figures; nothing
asserts on them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from sample_plugins import plugin, write_includes  # noqa: E402

FIXTURE_INCLUDES = HERE.parent / "tests" / "fixtures" / "lsp" / "workspace" / "scripting" / "include"
SERVER = [sys.executable, "-m", "spcopilot.server.lsp"]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def make_workspace(root: Path, lines: int, includes: int) -> Path:
    include = root / "scripting" / "include"
    shutil.copytree(FIXTURE_INCLUDES, include)
    write_includes(include, includes)
    main = root / "scripting" / "director.sp"
    main.write_text(plugin(lines), encoding="utf-8")
    return main


def keystrokes(text: str, count: int) -> list[tuple[int, int, str]]:
    """(line, column, text) edits typing and erasing a word inside a function body in the
    middle of the file; each keeps the plugin valid between keystrokes or close to it."""
    lines = text.split("\n")
    target = next(
        i for i in range(len(lines) // 2, len(lines)) if lines[i].strip() == "g_fLastSeen[victim] = GetGameTime();"
    )
    column = len(lines[target])
    word = " // note"
    out: list[tuple[int, int, str]] = []
    typed = 0
    while len(out) < count:
        if typed < len(word):
            out.append((target, column + typed, word[typed]))
            typed += 1
        else:
            while typed > 0 and len(out) < count:
                typed -= 1
                out.append((target, column + typed, ""))  # backspace
    return out


Edit = tuple[int, int, int, int, str]  # start line, start column, end line, end column, new text


def harder_keystrokes(text: str, count: int, kind: str) -> list[Edit]:
    """Keystrokes the incremental lint has more to do for, in the middle of the file:
    `lines` presses Enter and Backspace at the start of a statement (every later function moves
    down a line and back); `hook` types into the event name of a HookEvent call and erases it
    (the file's hooks change, so the callback's event rules run again)."""
    lines = text.split("\n")
    if kind == "lines":
        line = next(i for i in range(len(lines) // 2, len(lines)) if lines[i].strip().startswith("g_fLastSeen[victim]"))
        pair = [(line, 0, line, 0, "\n"), (line, 0, line + 1, 0, "")]
        return [pair[i % 2] for i in range(count - count % 2)]
    count -= count % 6  # end on the text it started from
    line = next(i for i in range(len(lines) // 2, len(lines)) if 'HookEvent("lunge_pounce"' in lines[i])
    column = lines[line].index('lunge_pounce"') + len("lunge_pounce")
    out: list[Edit] = []
    typed = 0
    while len(out) < count:
        if typed < 3 and (len(out) // 3) % 2 == 0:
            out.append((line, column + typed, line, column + typed, "x"))
            typed += 1
        else:
            typed -= 1
            out.append((line, column + typed, line, column + typed + 1, ""))
    return out


# -- in process -------------------------------------------------------------------------------
def in_process(main: Path, count: int, cache: Path) -> dict[str, Any]:
    from spcopilot.diagnostics.document import TextChange
    from spcopilot.diagnostics.model import Position
    from spcopilot.diagnostics.parsing import parse
    from spcopilot.server.features.completion import complete
    from spcopilot.server.lsp import convert
    from spcopilot.server.project import Project

    text = main.read_text(encoding="utf-8")
    source = text.encode()
    floor = []
    for _ in range(5):
        started = time.perf_counter()
        parse(source)
        floor.append((time.perf_counter() - started) * 1000)
    project = Project(main.parent.parent, {"cache-dir": str(cache)})
    uri = main.as_uri()
    project.open(uri, str(main), text, 0)
    project.diagnostics(uri)  # warm: rules compiled, includes read
    latencies, edit_parse, engine = [], [], []
    for version, (line, col, typed) in enumerate(keystrokes(text, count), 1):
        change = TextChange(typed, Position(line, col), Position(line, col if typed else col + 1))
        started = time.perf_counter()
        document = project.change(uri, [change], version)
        assert document is not None
        assert document.tree is not None  # the incremental parse
        parsed = time.perf_counter()
        found = project.diagnostics(uri)
        linted = time.perf_counter()
        convert.diagnostics(found, document.lines, document.encoding)
        done = time.perf_counter()
        latencies.append((done - started) * 1000)
        edit_parse.append((parsed - started) * 1000)
        engine.append((linted - parsed) * 1000)
    harder: dict[str, list[float]] = {}
    for kind in ("lines", "hook"):
        harder[kind] = []
        current = project.document(uri)
        assert current is not None
        for sl, sc, el, ec, typed in harder_keystrokes(current.text, count, kind):
            version += 1
            started = time.perf_counter()
            document = project.change(uri, [TextChange(typed, Position(sl, sc), Position(el, ec))], version)
            assert document is not None and document.tree is not None
            convert.diagnostics(project.diagnostics(uri), document.lines, document.encoding)
            harder[kind].append((time.perf_counter() - started) * 1000)
    completion = []
    for needle, delta in (('event.GetInt("', 14), ("GetClientOfUserId(", 9)):
        offset = len(text[: text.index(needle, len(text) // 2) + delta].encode())
        for _ in range(10):
            started = time.perf_counter()
            view = project.view(uri)
            assert view is not None
            complete(view, offset)
            completion.append((time.perf_counter() - started) * 1000)
    overhead = [t - e for t, e in zip(latencies, engine, strict=False)]
    return {
        "floor": statistics.median(floor),
        "keystroke": latencies,
        "edit_parse": edit_parse,
        "engine": engine,
        "overhead": overhead,
        "completion": completion,
        "harder": harder,
    }


# -- over stdio ---------------------------------------------------------------------------------
async def start_client(
    root: Path, cache: Path, init: dict[str, Any], pull: bool, direct: bool = False
) -> tuple[Any, dict[str, Any]]:
    from lsprotocol import types
    from pygls.lsp.client import LanguageClient

    client = LanguageClient("bench", "1")
    state: dict[str, Any] = {
        "pushed": {},
        "events": asyncio.Queue(),
        "progress_end": asyncio.Event(),
        "progress_tokens": set(),
    }

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: types.PublishDiagnosticsParams) -> None:
        state["events"].put_nowait((time.perf_counter(), params.uri, params.version))

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def create(params: types.WorkDoneProgressCreateParams) -> None:
        return None

    @client.feature(types.PROGRESS)
    def progress(params: types.ProgressParams) -> None:
        value = params.value
        kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
        title = value.get("title") if isinstance(value, dict) else getattr(value, "title", None)
        if kind == "begin" and title and "index" in title:
            state["progress_tokens"].add(params.token)
        if kind == "end" and params.token in state["progress_tokens"]:
            state["progress_end"].set()

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def log_message(params: types.LogMessageParams) -> None:
        return None

    @client.feature(types.WORKSPACE_CONFIGURATION)
    def configuration(params: types.ConfigurationParams) -> list[Any]:
        return [None for _ in params.items]

    env = {**os.environ, "SPCOPILOT_CACHE_DIR": str(cache)}
    started = time.perf_counter()
    await client.start_io(*SERVER, *(["--no-supervisor"] if direct else []), env=env)
    state["spawned"] = started
    caps = types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=True),
        workspace=types.WorkspaceClientCapabilities(configuration=True),
        text_document=types.TextDocumentClientCapabilities(
            diagnostic=types.DiagnosticClientCapabilities() if pull else None
        ),
    )
    await client.initialize_async(
        types.InitializeParams(capabilities=caps, root_uri=root.as_uri(), initialization_options=init)
    )
    state["initialized"] = time.perf_counter()
    client.initialized(types.InitializedParams())
    return client, state


async def stop_client(client: Any) -> None:
    try:
        await asyncio.wait_for(client.shutdown_async(None), 10)
        client.exit(None)
    finally:
        await client.stop()


def rss_mb(pid: int) -> tuple[float, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


async def over_stdio(main: Path, count: int, cache: Path, direct: bool = False) -> dict[str, Any]:
    from lsprotocol import types

    root = main.parent.parent
    text = main.read_text(encoding="utf-8")
    results: dict[str, Any] = {}
    # push: didChange -> publishDiagnostics of that version (debounce 0)
    client, state = await start_client(
        root, cache, {"debounce-ms": 0, "lint-workspace": False}, pull=False, direct=direct
    )
    uri = main.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "sourcepawn", 0, text)))
    await wait_version(state, uri, 0, 60)
    await asyncio.wait_for(state["progress_end"].wait(), 120)
    push = []
    for version, (line, col, typed) in enumerate(keystrokes(text, count), 1):
        end = col if typed else col + 1
        change = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(line, col), types.Position(line, end)), text=typed
        )
        started = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(types.VersionedTextDocumentIdentifier(uri=uri, version=version), [change])
        )
        arrived = await wait_version(state, uri, version, 30)
        push.append((arrived - started) * 1000)
    results["push"] = push
    completion = []
    for needle, delta in (('event.GetInt("', 14), ("GetClientOfUserId(", 9)):
        index = text.index(needle, len(text) // 2) + delta
        before = text[:index]
        position = types.Position(before.count("\n"), len(before) - before.rfind("\n") - 1)
        for _ in range(10):
            started = time.perf_counter()
            await client.text_document_completion_async(
                types.CompletionParams(types.TextDocumentIdentifier(uri), position)
            )
            completion.append((time.perf_counter() - started) * 1000)
    results["completion"] = completion
    results["rss"] = rss_mb(client._server.pid)
    await stop_client(client)
    # pull: didChange -> textDocument/diagnostic answered
    client, state = await start_client(root, cache, {"lint-workspace": False}, pull=True, direct=direct)
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "sourcepawn", 0, text)))
    identifier = types.TextDocumentIdentifier(uri)
    await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(identifier))
    pull = []
    for version, (line, col, typed) in enumerate(keystrokes(text, count), 1):
        end = col if typed else col + 1
        change = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(line, col), types.Position(line, end)), text=typed
        )
        started = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(types.VersionedTextDocumentIdentifier(uri=uri, version=version), [change])
        )
        await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(identifier))
        pull.append((time.perf_counter() - started) * 1000)
    results["pull"] = pull
    await stop_client(client)
    return results


async def wait_version(state: dict[str, Any], uri: str, version: int, timeout: float) -> float:
    deadline = time.perf_counter() + timeout
    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            raise TimeoutError(f"no diagnostics for version {version}")
        at, got_uri, got_version = await asyncio.wait_for(state["events"].get(), remaining)
        if got_uri == uri and got_version == version:
            return at


async def start_times(root: Path, cache: Path) -> dict[str, float]:
    """Spawn -> initialize answered, -> first diagnostics, -> include index built."""
    from lsprotocol import types

    small = root / "scripting" / "small.sp"
    small.write_text(
        '#include <sourcemod>\n#include <bench_lib010>\npublic void OnPluginStart() { HookEvent("pounce", E); }\n',
        encoding="utf-8",
    )
    client, state = await start_client(root, cache, {"lint-workspace": False, "debounce-ms": 0}, pull=False)
    uri = small.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "sourcepawn", 1, small.read_text()))
    )
    first = await wait_version(state, uri, 1, 60)
    await asyncio.wait_for(state["progress_end"].wait(), 300)
    indexed = time.perf_counter()
    spawned = state["spawned"]
    await stop_client(client)
    small.unlink()
    return {
        "initialize": state["initialized"] - spawned,
        "first_diagnostics": first - spawned,
        "indexed": indexed - spawned,
    }


def row(name: str, values: list[float], target: str, floor: float) -> str:
    p50, p95 = pct(values, 50), pct(values, 95)
    return f"| {name} | {p50:.1f} | {p95:.1f} | {p95 / floor:.2f}x | {target} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keystrokes", type=int, default=200)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--includes", type=int, default=300)
    parser.add_argument("--small-lines", type=int, default=1_000, help="a typical plugin's size, measured too")
    parser.add_argument(
        "--relay", action="store_true", help="also over stdio without the supervisor (its relay's cost)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="spc-bench-") as tmp:
        root = Path(tmp) / "ws"
        main_file = make_workspace(root, args.lines, args.includes)
        cold_cache, warm_cache = Path(tmp) / "cold", Path(tmp) / "warm"
        cold = asyncio.run(start_times(root, cold_cache))
        warm = asyncio.run(start_times(root, cold_cache))
        local = in_process(main_file, args.keystrokes, warm_cache)
        remote = asyncio.run(over_stdio(main_file, args.keystrokes, warm_cache))
        direct = asyncio.run(over_stdio(main_file, args.keystrokes, warm_cache, direct=True)) if args.relay else None
        small_file = main_file.with_name("typical.sp")
        small_file.write_text(plugin(args.small_lines), encoding="utf-8")
        small_local = in_process(small_file, args.keystrokes, warm_cache)
        small_remote = asyncio.run(over_stdio(small_file, args.keystrokes, warm_cache))
    floor = local["floor"]
    lines = main_file_lines = args.lines
    print(
        f"### Language server ({main_file_lines} lines, {args.includes} include files, {args.keystrokes} keystrokes; floor = full tree-sitter parse {floor:.1f} ms)\n"
    )
    print("| Measure | p50 ms | p95 ms | p95 / parse floor | Target |")
    print("|---|---|---|---|---|")
    print(row("keystroke → diagnostics, in process", local["keystroke"], "p95 ≤ 15 ms", floor))
    print(row("… of which edit + incremental parse", local["edit_parse"], "", floor))
    print(row("… of which engine lint (`Linter.lint_source`)", local["engine"], "", floor))
    print(row("… server overhead (all but the engine lint)", local["overhead"], "", floor))
    print(row("… Enter / Backspace: every later function moves a line", local["harder"]["lines"], "", floor))
    print(row("… typing in a HookEvent's event name: the hooks change", local["harder"]["hook"], "", floor))
    print(row("keystroke → publishDiagnostics, stdio (push)", remote["push"], "p95 ≤ 40 ms", floor))
    print(row("keystroke → textDocument/diagnostic, stdio (pull)", remote["pull"], "p95 ≤ 40 ms", floor))
    if direct is not None:
        print(row("… push, the server run directly (`--no-supervisor`)", direct["push"], "", floor))
        print(row("… pull, the server run directly (`--no-supervisor`)", direct["pull"], "", floor))
    print(row("completion, in process", local["completion"], "", floor))
    print(row("completion, stdio", remote["completion"], "", floor))
    small_floor = small_local["floor"]
    print(
        row(
            f"{args.small_lines}-line plugin: keystroke → diagnostics, in process",
            small_local["keystroke"],
            "p95 ≤ 15 ms",
            small_floor,
        )
    )
    print(
        row(
            f"{args.small_lines}-line plugin: keystroke → publishDiagnostics, stdio",
            small_remote["push"],
            "p95 ≤ 40 ms",
            small_floor,
        )
    )
    print()
    print("| Start (spawn →) | cold cache s | warm cache s | Target |")
    print("|---|---|---|---|")
    print(f"| initialize answered | {cold['initialize']:.2f} | {warm['initialize']:.2f} | |")
    print(f"| first diagnostics | {cold['first_diagnostics']:.2f} | {warm['first_diagnostics']:.2f} | warm ≤ 1 s |")
    print(f"| {args.includes} includes indexed | {cold['indexed']:.2f} | {warm['indexed']:.2f} | |")
    rss, peak = remote["rss"]
    print()
    print(
        f"Server memory with the {lines}-line plugin open and the index built: RSS {rss:.0f} MB (peak {peak:.0f} MB); target ≤ 120 MB."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
