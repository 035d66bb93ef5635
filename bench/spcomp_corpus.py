"""How `spcopilot check --compile` agrees with SourcePawn's compiler on real plugins.

    python bench/spcomp_corpus.py --spcomp BIN --include-dir SM_INCLUDE [--include-dir …] TREE_OR_LIST…
    python bench/spcomp_corpus.py --columns

For every plugin (a `.sp` with `myinfo` under the trees given, or the paths listed one a line
in a `.txt`): the compiler is run directly, as `compile_plugin` would run it (same command line),
and `spcopilot check --compile --format json` on the plugin (in-process, the CLI's own code).

- pass/fail: the compiler's exit code against whether check --compile reports the compile as
  failing (a `spcomp-NNN` error, a `spcomp` problem, or one of our findings that replaced a
  compiler error);
- coverage: every message the compiler printed (read from its output with a plain regex of its
  own, not our parser) is in the JSON as `spcomp-NNN` on its file and line, or was replaced by
  one of our rules (the compiler's finding dropped because ours names the same symbol on that
  line, as designed: diagnostics/compiler/findings.py); counted per occurrence and per distinct
  message (number and text).

`--columns` measures, on the recorded hand-made set (tests/diagnostics/compiler/fixtures: each
reported line ends with `// @ TOKEN …`, the tokens its messages are about), how many messages
start at their token: with the caret column (now) and at the line's first non-blank character
(before: the compiler's column was not read). Needs no compiler.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_MESSAGE = re.compile(
    r"^(?:(?P<path>/.*?)\((?P<line>\d+)\) : )?(?P<kind>fatal error|error|warning) (?P<number>\d+): (?P<text>.*)$"
)
_QUOTED = re.compile(r'"([A-Za-z_][A-Za-z0-9_:.]*)"')


def plugins_in(sources: list[Path]) -> list[Path]:
    found: list[Path] = []
    for source in sources:
        if source.suffix == ".txt":
            found += [Path(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
        elif source.is_dir():
            found += sorted(p for p in source.rglob("*.sp") if b"myinfo" in p.read_bytes())
        else:
            found.append(source)
    return [p.absolute() for p in found]


def raw_messages(output: bytes, plugin: Path) -> list[tuple[str, int, int, str, str]]:
    """(path, 1-based line, number, kind, text) per message line the compiler printed."""
    found = []
    for line in output.decode("utf-8", "replace").splitlines():
        m = _MESSAGE.match(line.rstrip())
        if m:
            path = m["path"] or str(plugin)
            found.append((path, int(m["line"] or 1), int(m["number"]), m["kind"], m["text"].strip()))
    return found


def check_compile(plugin: Path, spcomp: Path, include_dirs: list[Path]) -> tuple[int, list[dict]]:
    from spcopilot.cli import main

    argv = ["check", "--compile", "--format", "json", "--spcomp", str(spcomp), "--jobs", "1", "--no-progress"]
    for folder in include_dirs:
        argv += ["--include-dir", str(folder)]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*argv, str(plugin)])
    return code, json.loads(out.getvalue() or "[]")


def corpus(args: argparse.Namespace) -> int:
    from spcopilot.diagnostics.compiler.locate import identify
    from spcopilot.diagnostics.compiler.run import compile_args
    from spcopilot.diagnostics.include_index import find_include_dirs

    compiler = identify(args.spcomp)
    plugins = plugins_in(args.sources)
    agree = compiler_failed = 0
    disagreements: list[str] = []
    occurrences = Counter[str]()  # reported / replaced / missing
    distinct: dict[tuple[int, str], set[str]] = {}
    missing: list[str] = []
    extra: list[str] = []  # findings the compiler never printed (e.g. read from a source excerpt)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        for plugin in plugins:
            folders = find_include_dirs(plugin, args.include_dir)
            done = subprocess.run(compile_args(compiler.path, plugin, plugin, Path(tmp), folders), cwd=tmp,
                                  capture_output=True, timeout=120, check=False)  # fmt: skip
            messages = raw_messages(done.stdout + done.stderr, plugin)
            _, rows = check_compile(plugin, compiler.path, args.include_dir)
            ours_failed = False
            for path, line, number, kind, text in messages:
                outcome = _outcome(rows, path, line, number, text)
                occurrences[outcome] += 1
                distinct.setdefault((number, text), set()).add(outcome)
                if outcome == "missing":
                    missing.append(f"{path}({line}) : {kind} {number:03d}: {text}")
                ours_failed |= kind != "warning" and outcome != "missing"
            ours_failed |= any(r["code"] == "spcomp" for r in rows)
            printed = {
                (str(Path(path)), line - 1, f"spcomp-{number:03d}", text) for path, line, number, _, text in messages
            }
            for r in rows:
                if r["code"].startswith("spcomp-") and _row_key(r) not in printed:
                    extra.append(
                        f"not printed by the compiler: {r['path']}:{r['range']['start']['line'] + 1} {r['code']}"
                    )
            compiler_failed += done.returncode != 0
            if ours_failed == (done.returncode != 0):
                agree += 1
            else:
                disagreements.append(f"{plugin}: compiler exit {done.returncode}, check --compile failed={ours_failed}")
    seconds = time.monotonic() - started
    fully = sum(1 for outcomes in distinct.values() if "missing" not in outcomes)
    replaced = sum(1 for outcomes in distinct.values() if outcomes == {"replaced"})
    print(f"compiler: {compiler.banner} ({compiler.path}); {len(plugins)} plugins in {seconds:.0f} s\n")
    print("| measure | result |\n|---|---|")
    print(f"| pass/fail agreement | {agree} of {len(plugins)} ({compiler_failed} fail to compile) |")
    print(
        f"| compiler messages reported | {occurrences['reported'] + occurrences['replaced']} of "
        f"{sum(occurrences.values())} ({occurrences['replaced']} replaced by our rules) |"
    )
    print(f"| distinct messages (number + text) reported | {fully} of {len(distinct)} ({replaced} only as our rules) |")
    print(f"| compiler findings it never printed | {len(extra)} |")
    for note in disagreements + missing[:20] + extra[:20]:
        print(f"  {note}")
    return 0 if not disagreements and not missing and not extra else 1


def _row_key(row: dict) -> tuple[str, int, str, str]:
    return (str(Path(row["path"])), row["range"]["start"]["line"], row["code"], row["message"])


def _outcome(rows: list[dict], path: str, line: int, number: int, text: str) -> str:
    here = [r for r in rows if Path(r["path"]) == Path(path) and r["range"]["start"]["line"] == line - 1]
    if any(r["code"] == f"spcomp-{number:03d}" and r["message"] == text for r in here):
        return "reported"
    names = set(_QUOTED.findall(text))
    if names and any(r["rule"] != "spcomp" and names & set(re.findall(r"\w+", r["message"])) for r in here):
        return "replaced"
    return "missing"


def columns() -> int:
    from spcopilot.diagnostics.compiler.findings import to_diagnostics
    from spcopilot.diagnostics.compiler.output import parse_output

    from tests.diagnostics.compiler.recordings import ROOTS, recorded_sets

    annotation = re.compile(r'@(\d*) ("[^"]*"|\S+)')
    print(
        "| compiler | messages | at their token: caret column (now) | at their token: line start (before) "
        "| line start = the compiler's column (before) |"
    )
    print("|---|---|---|---|---|")
    for recorded in (s for s in recorded_sets() if s.folder.name.startswith("spcomp")):
        total = at_caret = at_line_start = line_start_is_caret = 0
        for run in recorded.runs():
            text = run.output
            for folder, root in recorded.roots.items():
                text = text.replace(folder, str(ROOTS.get(root, folder)))
            messages = parse_output(text).messages
            sources = {m.path: Path(m.path).read_bytes() for m in messages if m.path}
            for m, d in zip(messages, to_diagnostics(messages, sources.get), strict=True):
                line = sources.get(m.path, b"").split(b"\n")[m.line - 1].decode("utf-8") if m.path else ""
                if "// @" not in line:
                    continue
                code, _, marks = line.partition("// @")
                expected = set()
                for nth, token in annotation.findall("@" + marks):
                    at = -1
                    for _ in range(int(nth or 1)):
                        at = code.index(token, at + 1)
                    expected.add(len(code[:at].encode("utf-16-le")) // 2)
                total += 1
                at_caret += d.range.start.character in expected
                at_line_start += len(code) - len(code.lstrip()) in expected
                line_start_is_caret += len(code) - len(code.lstrip()) == d.range.start.character
        print(f"| {recorded.banner} | {total} | {at_caret} | {at_line_start} | {line_start_is_caret} |")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources", nargs="*", type=Path, help="plugin trees, plugins, or .txt lists of plugins")
    parser.add_argument("--spcomp", type=Path)
    parser.add_argument("--include-dir", type=Path, action="append", default=[])
    parser.add_argument("--columns", action="store_true", help="the column measure on the recorded hand-made set")
    args = parser.parse_args()
    if args.columns:
        return columns()
    if args.spcomp is None or not args.sources:
        parser.error("give --spcomp and the plugins (or --columns)")
    return corpus(args)


if __name__ == "__main__":
    raise SystemExit(main())
