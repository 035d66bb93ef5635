"""What a real SourcePawn compiler printed, recorded as test fixtures: read by the tests, made
by this module (the compiler's output is data; the compiler itself is not in this repository,
and nothing here builds it).

    python -m tests.diagnostics.compiler.recordings plugins --spcomp BIN --sourcemod-include DIR --name 1.12 \\
        --build "sourcepawn 1.12-dev 2a1180cd, gcc 12, --enable-optimize"
    python -m tests.diagnostics.compiler.recordings corpus --spcomp BIN --sourcemod-include DIR --name corpus-1.12 \\
        --include-dir DIR... --list plugins.txt --build "…"

`plugins` compiles our own plugins (fixtures/plugins: every .sp outside a `*_parts` folder)
from fixed folders under /tmp/spcopilot-recording (plugins/, vendor-include/,
sourcemod-include/, out/), so the recorded paths are the same on every machine; `corpus`
compiles the listed plugins where they are (their sources are never recorded, only what the
compiler printed). Both run the compiler exactly as `compile_plugin` does (the same command
line, the working folder being the output folder).

A set is a folder under fixtures/recorded/: `manifest.json` (the compiler's banner and exit
code without arguments, how it was built, the include folders, the recorded roots, and per
plugin the command line, the working folder, the exit code and the output files) and the exact
bytes of stdout (`NAME.stdout`) and stderr (`NAME.stderr`, only when not empty).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from spcopilot.diagnostics.compiler.run import compile_args
from spcopilot.diagnostics.include_index import find_include_dirs

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
RECORDED = FIXTURES / "recorded"
ROOT = Path("/tmp/spcopilot-recording")  # where our plugins are compiled from when recording
ROOTS = {"plugins": FIXTURES / "plugins", "vendor-include": FIXTURES / "vendor-include"}


@dataclass(frozen=True, slots=True)
class Recorded:
    """One recorded compile: what the compiler printed and how it was run."""

    name: str
    argv: list[str]
    cwd: str
    exit_code: int
    stdout: bytes
    stderr: bytes

    @property
    def output(self) -> str:
        """stdout then stderr, decoded as `compile_plugin` decodes them."""
        return (self.stdout + self.stderr).decode("utf-8", "surrogateescape")

    @property
    def source(self) -> str:
        return self.argv[1]


@dataclass(frozen=True, slots=True)
class RecordedSet:
    folder: Path
    manifest: dict

    @property
    def banner(self) -> str:
        return str(self.manifest["banner"])

    @property
    def roots(self) -> dict[str, str]:
        """Recorded folder -> what it was (`plugins`, `vendor-include`, `sourcemod-include`, …)."""
        return dict(self.manifest.get("roots", {}))

    def runs(self) -> list[Recorded]:
        found = []
        for name, run in self.manifest["runs"].items():
            stderr = self.folder / f"{name}.stderr"
            found.append(
                Recorded(
                    name,
                    list(run["argv"]),
                    run["cwd"],
                    int(run["exit_code"]),
                    (self.folder / f"{name}.stdout").read_bytes(),
                    stderr.read_bytes() if stderr.exists() else b"",
                )
            )
        return found

    def run(self, name: str) -> Recorded:
        return next(r for r in self.runs() if r.name == name)


def recorded_sets() -> list[RecordedSet]:
    return [
        RecordedSet(folder, json.loads((folder / "manifest.json").read_text(encoding="utf-8")))
        for folder in sorted(RECORDED.iterdir())
        if (folder / "manifest.json").is_file()
    ]


def recorded_set(name: str) -> RecordedSet:
    return next(s for s in recorded_sets() if s.folder.name == name)


def write_replay(recorded: RecordedSet, current: dict[str, Path], spec: Path) -> Path:
    """A spec for the stand-in's replay mode (tests/spcomp_standin.py, STANDIN_REPLAY): the
    set's runs keyed by the recorded plugin path, and the recorded roots mapped to `current`
    (root name -> the test's folder, e.g. {"plugins": tmp / "plugins"})."""
    roots = {folder: str(current[name]) for folder, name in recorded.roots.items() if name in current}
    runs = {}
    for run in recorded.runs():
        files = {s: str(recorded.folder / f"{run.name}.{s}") for s in ("stdout", "stderr")}
        runs[run.source] = {**{k: v for k, v in files.items() if Path(v).exists()}, "exit_code": run.exit_code}
    spec.write_text(json.dumps({"roots": roots, "runs": runs}), encoding="utf-8")
    return spec


def our_plugins(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.sp") if not p.parent.name.endswith("_parts"))


def _run_name(plugin: Path, base: Path) -> str:
    """The plugin's path under `base` as a plain file name (`a/b c.sp`: `a__b_c`; `c10 пути/x.sp`: `c10`)."""
    name = plugin.relative_to(base).with_suffix("").as_posix().replace("/", "__")
    return re.sub(r"[^A-Za-z0-9_.+-]+", "_", name).strip("_")


def _record(spcomp: Path, plugin: Path, out_dir: Path, include_dirs: list[Path]) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    argv = compile_args(spcomp, plugin, plugin, out_dir, include_dirs)
    done = subprocess.run(argv, cwd=out_dir, capture_output=True, timeout=120, check=False)
    return {
        "argv": argv,
        "cwd": str(out_dir),
        "exit_code": done.returncode,
        "stdout": done.stdout,
        "stderr": done.stderr,
    }


_EXCERPT = re.compile(rb"^( *\d+ \| )(.*)$")


def redact_excerpts(output: bytes) -> bytes:
    """The compiler prints the source line under each message: for other people's plugins the
    recording keeps the line's shape (tabs, spaces, byte length, so columns and carets stay
    true) and not its text, which is theirs."""
    lines = []
    for line in output.split(b"\n"):
        m = _EXCERPT.match(line)
        if m is not None:
            text = m.group(2).decode("utf-8", "surrogateescape")
            shape = "".join(c if c in " \t\r" else "x" * len(c.encode("utf-8", "surrogateescape")) for c in text)
            line = m.group(1) + shape.encode()
        lines.append(line)
    return b"\n".join(lines)


def _write(target: Path, spcomp: Path, build: str, includes: dict[str, str], roots: dict[str, str],
           runs: dict[str, dict]) -> None:  # fmt: skip
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    banner = subprocess.run([str(spcomp)], capture_output=True, timeout=30, check=False)
    manifest: dict[str, object] = {
        "banner": banner.stdout.decode("utf-8", "replace").splitlines()[0],
        "banner_exit_code": banner.returncode,
        "build": build,
        "includes": includes,
        "roots": roots,
        "runs": {},
    }
    (target / "banner.stdout").write_bytes(banner.stdout)
    for name, run in runs.items():
        (target / f"{name}.stdout").write_bytes(run.pop("stdout"))
        stderr = run.pop("stderr")
        if stderr:
            (target / f"{name}.stderr").write_bytes(stderr)
        manifest["runs"][name] = run  # type: ignore[index]
    (target / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def record_plugins(spcomp: Path, sourcemod_include: Path, name: str, build: str, includes: str) -> Path:
    if ROOT.exists():
        shutil.rmtree(ROOT)
    for root, source in ROOTS.items():
        shutil.copytree(source, ROOT / root)
    shutil.copytree(sourcemod_include, ROOT / "sourcemod-include")
    include_dirs = [ROOT / "vendor-include", ROOT / "sourcemod-include"]
    runs = {
        _run_name(p, ROOT / "plugins"): _record(spcomp, p, ROOT / "out", include_dirs)
        for p in our_plugins(ROOT / "plugins")
    }
    roots = {str(ROOT / r): r for r in [*ROOTS, "sourcemod-include", "out"]}
    target = RECORDED / name
    _write(target, spcomp, build, {"sourcemod-include": includes}, roots, runs)
    return target


def record_corpus(spcomp: Path, include_dirs: list[Path], plugins: list[Path], base: Path, name: str, build: str,
                  includes: dict[str, str]) -> Path:  # fmt: skip
    out_dir = ROOT / "out"
    runs = {}
    for plugin in plugins:
        folders = find_include_dirs(plugin, include_dirs)
        run = _record(spcomp, plugin, out_dir, folders)
        run["stdout"] = redact_excerpts(run["stdout"])
        runs[_run_name(plugin, base)] = run
    target = RECORDED / name
    _write(target, spcomp, build, includes, {str(base): "corpus", str(out_dir): "out"}, runs)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("plugins", "corpus"))
    parser.add_argument("--spcomp", type=Path, required=True)
    parser.add_argument("--sourcemod-include", type=Path, required=True)
    parser.add_argument("--sourcemod-include-is", default="", help="where those includes came from (recorded)")
    parser.add_argument("--name", required=True, help="the set's folder under fixtures/recorded/")
    parser.add_argument("--build", required=True, help="how the compiler was built (recorded)")
    parser.add_argument("--include-dir", type=Path, action="append", default=[], help="corpus: more include folders")
    parser.add_argument("--list", type=Path, help="corpus: a file of plugin paths, one a line")
    parser.add_argument("--base", type=Path, default=Path("/work/corpus"), help="corpus: names are relative to this")
    args = parser.parse_args()
    spcomp = Path(os.path.abspath(args.spcomp))
    if args.what == "plugins":
        target = record_plugins(spcomp, args.sourcemod_include, args.name, args.build, args.sourcemod_include_is)
    else:
        plugins = [Path(line) for line in args.list.read_text(encoding="utf-8").splitlines() if line.strip()]
        includes = {"sourcemod-include": args.sourcemod_include_is, "also": [str(d) for d in args.include_dir]}
        target = record_corpus(
            spcomp, [args.sourcemod_include, *args.include_dir], plugins, args.base, args.name, args.build, includes
        )
    print(f"recorded {len(json.loads((target / 'manifest.json').read_text())['runs'])} runs into {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
