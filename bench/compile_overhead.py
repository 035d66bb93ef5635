"""What running the compiler through us costs over running it directly, and how fast its output
is read.

    python bench/compile_overhead.py [--runs 30] [--spcomp PATH]

In one run, on the same plugin with the same compiler:
- floor: `subprocess.run([spcomp, plugin.sp, -o…, -i…])`, output captured, nothing else;
- compile_plugin: ours from a saved file: temp dir, process group, reader thread, timeout and
  cancel checks, output parsed, paths mapped, temp dir removed;
- unsaved buffer: the same from a temp copy of an editor buffer;
- CompileCheck.check: what the CLI, the server and the guard call (targets, include folders,
  findings as diagnostics);
- parse: `parse_output` on 10,000 compiler lines (messages, continuations, excerpts).

The compiler is `--spcomp` (a real spcomp) or, without one, the test stand-in
(tests/spcomp_standin.py, a Python script: its start-up dominates the floor). Medians; nothing
asserts on them.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PLUGIN = """#include <sourcemod>
#include "tank/hud.sp"

public Plugin myinfo = { name = "tank hp" };

public void OnPluginStart()
{
    HookEvent("tank_spawn", OnTankSpawn);
}

public void OnTankSpawn(Event event, const char[] name, bool dontBroadcast)
{
    int unused;  // standin: warning 204: symbol is assigned a value that is never used: "unused"
    ShowHud(GetClientOfUserId(event.GetInt("userid")));
}
"""
HUD = 'void ShowHud(int client)\n{\n    PrintHintText(client, "Tank!")  // standin: error 001: expected token: ";", but found "}"\n}\n'


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def output_lines(count: int) -> str:
    block = [
        'plugin.sp(12) : error 017: undefined symbol "RandomFloat"',
        "   12 |     float f = RandomFloat(0.0, 1.0);",
        "------------------^",
        "plugin.sp(20 -- 22) : warning 213: tag mismatch",
        "    (continued on the next line)",
    ]
    return "\n".join(block[i % len(block)] for i in range(count)) + "\n"


def main() -> int:
    from spcopilot.diagnostics.compiler import CompileCheck
    from spcopilot.diagnostics.compiler.locate import identify
    from spcopilot.diagnostics.compiler.output import parse_output
    from spcopilot.diagnostics.compiler.run import compile_plugin
    from spcopilot.diagnostics.config import Config

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--spcomp", type=Path, help="a real SourcePawn compiler (default: the test stand-in)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "scripting"
        (root / "tank").mkdir(parents=True)
        (root / "include").mkdir()
        (root / "include" / "sourcemod.inc").write_text("native int GetClientOfUserId(int userid);\n")
        (root / "tank" / "hud.sp").write_text(HUD)
        plugin = root / "tank_hp.sp"
        plugin.write_text(PLUGIN)
        if args.spcomp is None:
            from tests.spcomp_standin import write_standin

            compiler = identify(write_standin(Path(tmp) / "bin"))
            which = "test stand-in (Python script)"
        else:
            compiler = identify(args.spcomp)
            which = compiler.banner
        out = Path(tmp) / "out"
        out.mkdir()
        raw_args = [str(compiler.path), str(plugin), f"-o{out / 'tank_hp.smx'}", f"-i{root}", f"-i{root / 'include'}"]
        check = CompileCheck(Config(spcomp=compiler.path, include_dirs=(root / "include",)))
        buffer = plugin.read_bytes() + b"\n"

        rows = [
            ("floor: subprocess.run of the compiler", median_ms(lambda: subprocess.run(raw_args, capture_output=True,
                                                                                          check=False), args.runs)),
            ("compile_plugin (saved file)", median_ms(lambda: compile_plugin(compiler, plugin, None, [root / "include"]),
                                                      args.runs)),
            ("compile_plugin (unsaved buffer, temp copy)", median_ms(lambda: compile_plugin(
                compiler, plugin, buffer, [root / "include"]), args.runs)),
            ("CompileCheck.check (+ targets, diagnostics)", median_ms(lambda: check.check(plugin, buffer), args.runs)),
        ]  # fmt: skip
        text = output_lines(10_000)
        parse_ms = median_ms(lambda: parse_output(text), max(5, args.runs // 3))

    floor = rows[0][1]
    print(f"compiler: {which}; median of {args.runs} runs\n")
    print("| measure | ms | over the floor |")
    print("|---|---|---|")
    for name, ms in rows:
        print(f"| {name} | {ms:.1f} | {'' if ms is floor else f'+{ms - floor:.1f} ms ({ms / floor:.2f}x)'} |")
    print(f"\nparse_output: 10,000 lines in {parse_ms:.1f} ms ({10_000 / parse_ms * 1000:,.0f} lines/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
