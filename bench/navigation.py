"""Navigation on the semantic model: references, semantic tokens, definition and hover, memory.

    python bench/navigation.py [--plugins 300] [--plugin-lines 300] [--lines 10000] [--samples 300]

A generated workspace (bench/sample_plugins.py): `--plugins` plugins of about
`--plugin-lines` lines each, all calling SourceMod natives, their include folder (SourceMod's
abridged includes from the LSP fixtures and 300 generated ones), and one `--lines`-line plugin
open in the editor. In process, through the project and the feature functions the server's
handlers call:

- references to a native (GetClientOfUserId) used across the workspace: the first request
  (reads and binds every file) and warm (p50/p95 of repeats);
- semantic tokens of the big plugin: the first request (binds it), after a one-character edit
  (items that did not change are reused), and repeated;
- definition and hover at random identifiers of the big plugin (p50/p95);
- memory: the process's resident size before the workspace is indexed and after (the model
  of every file), with a full collection before each reading.
Floor: a tree-sitter parse of the big plugin, in the same run. Targets are printed next to the
figures; nothing asserts on them.
"""

from __future__ import annotations

import argparse
import gc
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from sample_plugins import plugin, write_includes  # noqa: E402
from spcopilot.diagnostics.document import TextChange  # noqa: E402
from spcopilot.diagnostics.model import Position  # noqa: E402
from spcopilot.diagnostics.parsing import parse  # noqa: E402
from spcopilot.diagnostics.semantic import heap  # noqa: E402
from spcopilot.diagnostics.semantic import symbols as k  # noqa: E402
from spcopilot.server.features import hover, navigation, references, semantic_tokens  # noqa: E402
from spcopilot.server.project import Project  # noqa: E402

FIXTURE_INCLUDES = HERE.parent / "tests" / "fixtures" / "lsp" / "workspace" / "scripting" / "include"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(fn) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def make_workspace(root: Path, plugins: int, plugin_lines: int, lines: int) -> Path:
    scripting = root / "scripting"
    shutil.copytree(FIXTURE_INCLUDES, scripting / "include")
    write_includes(scripting / "include", 300)
    small = plugin(plugin_lines)
    for n in range(plugins):
        (scripting / f"plugin_{n:03d}.sp").write_text(small.replace("Bench Director", f"Bench {n}"), encoding="utf-8")
    main = scripting / "director.sp"
    main.write_text(plugin(lines), encoding="utf-8")
    return main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plugins", type=int, default=300)
    ap.add_argument("--plugin-lines", type=int, default=300)
    ap.add_argument("--lines", type=int, default=10_000)
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="navigation-") as tmp:
        root = Path(tmp)
        main_path = make_workspace(root, args.plugins, args.plugin_lines, args.lines)
        text = main_path.read_text(encoding="utf-8")
        source = text.encode()
        floor = min(timed(lambda: parse(source))[0] for _ in range(3))

        project = Project(root, {"cache-dir": str(root / "cache")})
        uri = main_path.as_uri()
        project.open(uri, str(main_path), text, 1)
        # The include index and the big plugin alone first (what opening it costs anyway).
        view = project.view(uri)
        assert view is not None and view.lines is not None
        tokens_cold, _ = timed(lambda: semantic_tokens.encode(view))
        tokens_warm = [timed(lambda: semantic_tokens.encode(view))[0] for _ in range(5)]

        # A keystroke in the middle (a space typed, then deleted), then tokens again: the
        # items that did not change are reused.
        where = view.lines.position(len(text[: text.index("g_cvEnabled.BoolValue", len(text) // 2)].encode()))
        after_space = Position(where.line, where.character + 1)
        edit_times = []
        for version in range(2, 2 + 2 * (args.repeat // 2)):
            change = TextChange(" ", where, where) if version % 2 == 0 else TextChange("", where, after_space)
            project.change(uri, [change], version)
            v = project.view(uri)
            assert v is not None
            edit_times.append(timed(lambda v=v: semantic_tokens.encode(v))[0])
        view = project.view(uri)
        assert view is not None and view.lines is not None

        # Definition and hover at random identifiers.
        refs = [r for r in view.semantic.refs if r.role in (k.NAME, k.MEMBER, k.TYPE)]
        picks = [rng.choice(refs).start + 1 for _ in range(args.samples)]
        read = project.read
        definition_times = [
            timed(
                lambda at=at: navigation.definition(view, at, "utf-16", project.resolve_include(str(main_path)), read)
            )[0]
            for at in picks
        ]
        hover_times = [timed(lambda at=at: hover.hover(view, at))[0] for at in picks]

        # References to a native across the workspace: cold (binds every file), then warm, first
        # without settling the heap after the bulk read (heap.py), then settled as the server does.
        at = text.index("GetClientOfUserId(") + 3
        gc.collect()
        before = rss_mb()
        heap.ENABLED = False
        references_cold, found = timed(lambda: references.references(view, at, True, "utf-16", read))
        gc.collect()
        after = rss_mb()
        unsettled = [
            timed(lambda: references.references(view, at, True, "utf-16", read))[0] for _ in range(args.repeat)
        ]
        heap.ENABLED = True
        settle_ms, _ = timed(heap.settle)
        references_warm = [
            timed(lambda: references.references(view, at, True, "utf-16", read))[0] for _ in range(args.repeat)
        ]
        files = len({t.path for t in found})  # type: ignore[attr-defined]

    lines = text.count("\n")
    print(
        f"workspace: {args.plugins} plugins of ~{args.plugin_lines} lines + {lines:,}-line plugin; floor (parse of it) {floor:.1f} ms"
    )
    print("| measure | p50 ms | p95 ms | target |")
    print("|---|---|---|---|")
    print(f"| references to a native, first request (binds {files} files) | {references_cold:.0f} | | |")
    print(
        f"| references to a native, warm ({len(found)} references) | {statistics.median(references_warm):.1f} | {pct(references_warm, 95):.1f} | ≤ 100 ms |"
    )  # type: ignore[arg-type]
    print(
        f"| … the same, the heap not settled after the first request | {statistics.median(unsettled):.1f} | {pct(unsettled, 95):.1f} | |"
    )
    print(f"| … settling the heap (once, after the first request) | {settle_ms:.0f} | | |")
    print(
        f"warm references over 100 ms: {sum(t > 100 for t in references_warm)} of {len(references_warm)} settled, "
        f"{sum(t > 100 for t in unsettled)} of {len(unsettled)} not settled; slowest {max(references_warm):.0f} / {max(unsettled):.0f} ms"
    )
    print(f"| semantic tokens, {lines:,} lines, first request (binds the file) | {tokens_cold:.1f} | | |")
    print(
        f"| semantic tokens, after an edit | {statistics.median(edit_times):.1f} | {pct(edit_times, 95):.1f} | ≤ 50 ms |"
    )
    print(f"| semantic tokens, repeated | {statistics.median(tokens_warm):.1f} | {pct(tokens_warm, 95):.1f} | |")
    print(f"| definition | {statistics.median(definition_times):.2f} | {pct(definition_times, 95):.2f} | p95 ≤ 10 ms |")
    print(f"| hover | {statistics.median(hover_times):.2f} | {pct(hover_times, 95):.2f} | p95 ≤ 10 ms |")
    print(
        f"\nmemory: {before:.0f} MB before the workspace's model, {after:.0f} MB after: +{after - before:.0f} MB (target ≤ 60 MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
