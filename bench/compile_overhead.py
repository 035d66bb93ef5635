"""What running the compiler through us costs over running it directly, and how fast its output
is read.

    python bench/compile_overhead.py [--runs 30] [--spcomp PATH]...

In one run, on the same plugin with the same compiler, the four run in turn (one of each per
round, so a load that comes and goes weighs on all alike):
- floor: `subprocess.run([spcomp, plugin.sp, -o…, -i…])`, output captured, nothing else;
- compile_plugin: ours from a saved file: temp dir, process group, reader thread, timeout and
  cancel checks, output parsed, paths mapped, temp dir removed;
- unsaved buffer: the same from a temp copy of an editor buffer;
- CompileCheck.check: what the CLI, the server and the guard call (targets, include folders,
  findings as diagnostics);
- parse: `parse_output` on 10,000 lines of real compiler output (the recorded runs in
  tests/diagnostics/compiler/fixtures/recorded, repeated: messages, excerpts, carets, noise),
  in CPU time (it runs in-process, so a busy machine does not inflate it).

Each compiler in one run: the test stand-in (tests/spcomp_standin.py, a Python script: its
start-up dominates its floor), then every `--spcomp` given (a real spcomp; the plugin includes
`<sourcemod>` from the compiler's own `include/`, as in a SourceMod install). Medians; nothing
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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spcopilot.diagnostics.compiler.locate import Compiler

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


def median_ms(fn: Callable[[], object], runs: int, clock: Callable[[], float] = time.perf_counter) -> float:
    fn()  # warm
    times = []
    for _ in range(runs):
        start = clock()
        fn()
        times.append((clock() - start) * 1000)
    return statistics.median(times)


def interleaved_medians(fns: list[Callable[[], object]], runs: int) -> list[float]:
    """Median wall ms of each function, run in turn (one of each per round), so that a load
    that comes and goes on a shared machine weighs on all of them alike."""
    for fn in fns:
        fn()  # warm
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, spent in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            spent.append((time.perf_counter() - start) * 1000)
    return [statistics.median(t) for t in times]


def output_lines(count: int) -> str:
    """`count` lines of what real compilers printed (the recorded runs, repeated)."""
    from tests.diagnostics.compiler.recordings import recorded_sets

    recorded = [line for s in recorded_sets() for run in s.runs() for line in run.output.splitlines()]
    return "\n".join(recorded[i % len(recorded)] for i in range(count)) + "\n"


def plugin_tree(root: Path, fake_sourcemod: bool) -> Path:
    """scripting/{tank_hp.sp, tank/hud.sp, include/}; the stand-in gets a one-line sourcemod.inc."""
    scripting = root / "scripting"
    (scripting / "tank").mkdir(parents=True)
    (scripting / "include").mkdir()
    if fake_sourcemod:
        (scripting / "include" / "sourcemod.inc").write_text("native int GetClientOfUserId(int userid);\n")
    (scripting / "tank" / "hud.sp").write_text(HUD)
    (scripting / "tank_hp.sp").write_text(PLUGIN)
    return scripting


def measure(compiler: Compiler, root: Path, runs: int) -> list[tuple[str, float]]:
    from spcopilot.diagnostics.compiler import CompileCheck
    from spcopilot.diagnostics.compiler.run import compile_plugin
    from spcopilot.diagnostics.config import Config

    scripting = plugin_tree(root, fake_sourcemod="stand-in" in compiler.banner)
    plugin = scripting / "tank_hp.sp"
    out = root / "out"
    out.mkdir()
    include = [scripting / "include"]
    raw_args = [str(compiler.path), str(plugin), f"-o{out / 'tank_hp.smx'}", f"-i{scripting}", f"-i{include[0]}"]
    check = CompileCheck(Config(spcomp=compiler.path, include_dirs=tuple(include)))
    buffer = plugin.read_bytes() + b"\n"
    measures: list[tuple[str, Callable[[], object]]] = [
        ("floor: subprocess.run of the compiler", lambda: subprocess.run(raw_args, capture_output=True, check=False)),
        ("compile_plugin (saved file)", lambda: compile_plugin(compiler, plugin, None, include)),
        ("compile_plugin (unsaved buffer, temp copy)", lambda: compile_plugin(compiler, plugin, buffer, include)),
        ("CompileCheck.check (+ targets, diagnostics)", lambda: check.check(plugin, buffer)),
    ]
    medians = interleaved_medians([fn for _, fn in measures], runs)
    return [(name, ms) for (name, _), ms in zip(measures, medians, strict=True)]


def main() -> int:
    from spcopilot.diagnostics.compiler.locate import identify
    from spcopilot.diagnostics.compiler.output import parse_output

    from tests.spcomp_standin import write_standin

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--spcomp", type=Path, action="append", default=[], help="a real SourcePawn compiler")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        compilers = [identify(write_standin(Path(tmp) / "bin")), *(identify(p) for p in args.spcomp)]
        for n, compiler in enumerate(compilers):
            rows = measure(compiler, Path(tmp) / f"c{n}", args.runs)
            floor = rows[0][1]
            which = "test stand-in (Python script)" if n == 0 else compiler.banner
            print(f"compiler: {which}; median of {args.runs} runs\n")
            print("| measure | ms | over the floor |")
            print("|---|---|---|")
            for name, ms in rows:
                print(f"| {name} | {ms:.1f} | {'' if ms is floor else f'{ms - floor:+.1f} ms ({ms / floor:.2f}x)'} |")
            print()
    text = output_lines(10_000)
    parse_ms = median_ms(lambda: parse_output(text), max(5, args.runs // 3), time.process_time)
    print(f"parse_output: 10,000 lines of recorded compiler output in {parse_ms:.1f} ms of CPU time "
          f"({10_000 / parse_ms * 1000:,.0f} lines/s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
