"""The data commands at the scale of a real corpus: `data prepare` then `data dpo`, timed.

    python bench/data_scale.py CORPUS [--out DIR] [-j N] [--report FILE]

Runs both commands as a user would (the `spcopilot` CLI in a subprocess, every core unless -j),
then prints the wall time of each and of each per-file step (from stats.json), the load average
of the machine before and after (the CPU is shared: a figure taken under load says so), the
corpus size, and the target: the whole corpus through prepare + dpo in at most 10 minutes on a
2-core machine. `--report FILE` also writes `spcopilot data report` of the result to FILE.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 600


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())


def run(args: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "spcopilot", *args], stdout=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"spcopilot {' '.join(args)} failed (exit {done.returncode}):\n{done.stdout}")
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--out", type=Path, help="where to write the data (default: a temporary folder, removed)")
    ap.add_argument("-j", "--jobs", type=int, help="worker processes (default: every core)")
    ap.add_argument("--report", type=Path, help="write `spcopilot data report` of the result here")
    args = ap.parse_args()

    keep = args.out is not None
    root = Path(tempfile.mkdtemp(prefix="data-scale-")) if not keep else None
    out = args.out or root / "data"  # type: ignore[operator]
    jobs = ["-j", str(args.jobs)] if args.jobs else []
    files = sum(1 for p in args.corpus.rglob("*") if p.suffix in (".sp", ".inc"))
    size = sum(p.stat().st_size for p in args.corpus.rglob("*") if p.suffix in (".sp", ".inc"))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    before = load()
    try:
        prepare_s = run(["data", "prepare", str(args.corpus), "--out", str(out), "--overwrite", "--fresh", *jobs])
        dpo_s = run(["data", "dpo", str(out), "--overwrite", "--fresh", *jobs])
        after = load()
        stats = json.loads((out / "stats.json").read_text())
        dpo = json.loads((out / "dpo" / "stats.json").read_text())
        if args.report:
            run(["data", "report", str(out), "-o", str(args.report)])
    finally:
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)

    total = prepare_s + dpo_s
    print(f"corpus: {files} .sp/.inc files, {size / 1e6:.1f} MB; {cores} cores; load average before {before}, "
          f"after {after}")  # fmt: skip
    print("| command / step | seconds | items | processes |")
    print("|---|---:|---:|---:|")
    print(f"| data prepare | {prepare_s:.1f} | {files} | |")
    for stage in stats["stages"]:
        print(f"| · {stage['name']} | {stage['seconds']:.1f} | {stage['items']} | {stage['jobs']} |")
    print(f"| data dpo | {dpo_s:.1f} | {dpo['train']['rejection'] + dpo['train']['acceptance']} train pairs | |")
    for stage in dpo.get("stages", []):
        print(f"| · {stage['name']} | {stage['seconds']:.1f} | {stage['items']} | {stage['jobs']} |")
    print(f"| **prepare + dpo** | **{total:.1f}** | | |")
    verdict = "met" if total <= TARGET_SECONDS else "NOT met"
    print(f"target: prepare + dpo <= {TARGET_SECONDS} s on 2 cores: {verdict}")


if __name__ == "__main__":
    main()
