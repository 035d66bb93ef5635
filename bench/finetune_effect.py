"""Does fine-tuning help? The real base (SmolLM2-135M-Instruct) against its fine-tune, on
repositories the fine-tune never saw.

    python bench/finetune_effect.py CORPUS --work DIR [--base FILE.gguf] [--config FILE]
        [--max-steps N] [--max-tokens N] [--holes-per-file N] [--eval-files N] [--battery-items N]
        [--threads N] [--prepare-args ARGS]

CORPUS is any folder of plugin repositories (one subfolder each; e.g. the public L4D2 plugin
repositories). Every step is one of the project's own commands, run as a subprocess:

1. `spcopilot data prepare CORPUS` (split by repository: the eval split's repositories are held out);
2. `spcopilot train sft` on the base with the config (default: configs/smollm2-135m-cpu.yaml);
3. `spcopilot export` twice, with the same pipeline and quantization: the base alone and the base
   with the adapter merged (the base is dequantized once by transformers, so both start from the
   same float32 weights);
4. perplexity of the held-out files (float32, torch: the base folder vs the merged fine-tune), first,
   kept in DIR/perplexity-NAME.json;
5. `spcopilot eval holes` on the held-out files (exact match; edit similarity of fill vs original,
   difflib's ratio, computed here from holes.jsonl), for both GGUFs;
6. `spcopilot eval run --both` on the battery (pass rate, wrong-API rate = 1 - avoidance; raw and
   guarded), for both GGUFs.

A step whose output folder exists is not run again (delete it to redo it), so an interrupted run
resumes. Writes DIR/finetune_effect.json and prints the README's markdown table, with the machine
and its load average at the start and the end. Nothing asserts on the figures.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BATTERY = ROOT / "training" / "eval" / "data" / "battery.jsonl"
CONFIG = ROOT / "training" / "configs" / "smollm2-135m-cpu.yaml"


def spcopilot(*args: str, log: Path) -> None:
    """Run one project command (under `nice`, output to `log`); stop the bench when it fails."""
    command = ["nice", "-n", "5", sys.executable, "-m", "spcopilot", *args]
    started = time.perf_counter()
    print(f"$ spcopilot {' '.join(args)}", file=sys.stderr, flush=True)
    with log.open("w", encoding="utf-8") as out:
        code = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False).returncode
    print(f"  exit {code} in {time.perf_counter() - started:.0f} s (log: {log})", file=sys.stderr, flush=True)
    if code != 0:
        tail = log.read_text("utf-8", "replace").strip().splitlines()[-15:]
        raise SystemExit(f"step failed (exit {code}):\n" + "\n".join(tail))


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def timed(timings: dict[str, float], name: str, folder: Path, *args: str, work: Path) -> None:
    if folder.exists():
        print(f"(kept {folder})", file=sys.stderr)
        return
    started = time.perf_counter()
    spcopilot(*args, log=work / "logs" / f"{name}.log")
    timings[name] = round(time.perf_counter() - started, 1)


def edit_similarity(holes_jsonl: Path) -> float:
    """Mean difflib ratio of each fill against the text cut out (an unfilled hole scores 0)."""
    scores = []
    for line in holes_jsonl.read_text("utf-8").splitlines():
        item = json.loads(line)
        fill = item.get("fill", "") if item.get("filled") else ""
        scores.append(difflib.SequenceMatcher(None, fill, item["middle"], autojunk=False).ratio())
    return sum(scores) / len(scores) if scores else 0.0


def held_out_perplexity(model_dir: Path, files: Path, window: int, per_file: int, threads: int) -> dict[str, Any]:
    import torch
    from spcopilot.training.perplexity import load_model, perplexity

    torch.set_num_threads(threads)
    texts = [json.loads(line)["text"] for line in files.read_text("utf-8").splitlines() if line.strip()]
    model, tokenizer = load_model(model_dir)
    started = time.perf_counter()
    figures = perplexity(model, tokenizer, texts, window, per_file).to_json()
    figures["seconds"] = round(time.perf_counter() - started, 1)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="a folder of plugin repositories")
    parser.add_argument("--work", type=Path, required=True, help="where every step writes (resumable)")
    parser.add_argument("--base", type=Path, help="the base GGUF (default: the cached SmolLM2-135M-Instruct)")
    parser.add_argument("--config", type=Path, default=CONFIG, help="the training config")
    parser.add_argument("--max-steps", type=int, help="override sft.max_steps")
    parser.add_argument(
        "--prepare-args",
        default="--split repository --max-tokens 980",
        help="`data prepare` flags, space-separated (default: whole repositories held out, chat examples sized for "
        "the default config's 512 tokens)",
    )
    parser.add_argument("--quant", default="q8_0", help="the GGUF both models are served as (q8_0)")
    parser.add_argument("--max-tokens", type=int, default=512, help="longest battery answer (512)")
    parser.add_argument("--holes-per-file", type=int, default=2, help="holes per held-out plugin (2)")
    parser.add_argument(
        "--eval-files",
        type=int,
        default=0,
        help="N held-out files spread evenly over the eval split, for holes and perplexity (0: all)",
    )
    parser.add_argument("--battery-items", type=int, default=0, help="N battery items spread evenly (0: all)")
    parser.add_argument("--ppl-window", type=int, default=512, help="perplexity window in tokens (512)")
    parser.add_argument("--ppl-windows-per-file", type=int, default=2, help="first N windows of each file (2)")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for llama.cpp and torch (1)")
    args = parser.parse_args()

    work = args.work.resolve()
    (work / "logs").mkdir(parents=True, exist_ok=True)
    base = args.base or pretrained_gguf()
    started_load, started = load(), time.perf_counter()
    timings: dict[str, float] = {}
    data, run = work / "data", work / "run"
    timed(timings, "prepare", data, "data", "prepare", str(args.corpus), "--out", str(data), "--no-progress",
          *args.prepare_args.split(), work=work)  # fmt: skip
    train = ["train", "sft", "--config", str(args.config), "--base-model", str(base), "--data", str(data)]
    train += ["--output-dir", str(run)] + (["--max-steps", str(args.max_steps)] if args.max_steps else [])
    timed(timings, "train", run / "sft" / "adapter", *train, work=work)
    exports = {"base": work / "export-base", "fine-tune": work / "export-ft"}
    for name, folder in exports.items():
        adapter = [] if name == "base" else ["--adapter", str(run / "sft" / "adapter")]
        timed(timings, f"export {name}", folder, "export", "--base", str(base), *adapter, "--out", str(folder),
              "--quant", args.quant, "--name", folder.name, "--no-progress", work=work)  # fmt: skip
    ggufs = {name: folder / f"{folder.name}-{args.quant}.gguf" for name, folder in exports.items()}
    held_out = held_out_files(data / "eval" / "files.jsonl", args.eval_files, work)

    battery = BATTERY
    if args.battery_items:
        battery = work / "battery.jsonl"
        items = [line for line in BATTERY.read_text("utf-8").splitlines(keepends=True) if '"prompt"' in line]
        count = min(args.battery_items, len(items))  # spread evenly: every category keeps its share
        battery.write_text("".join(items[i * len(items) // count] for i in range(count)), "utf-8")
    # perplexity first: the cheapest figure and the one a fine-tune must move most; each is kept in a file
    perplexities = {}
    for name in ggufs:
        kept = work / f"perplexity-{name}.json"
        if not kept.is_file():
            print(f"perplexity of held-out code: {name}", file=sys.stderr, flush=True)
            model_dir = exports[name] / "merged" if name != "base" else dequantized(base)
            figures = held_out_perplexity(model_dir, held_out, args.ppl_window, args.ppl_windows_per_file, args.threads)
            kept.write_text(json.dumps(figures) + "\n", "utf-8")
        perplexities[name] = json.loads(kept.read_text("utf-8"))
    backend = ["--gguf", "{gguf}", "--threads", str(args.threads)]
    results: dict[str, dict[str, Any]] = {}
    record = work / "finetune_effect.json"
    previous = json.loads(record.read_text("utf-8")) if record.is_file() else {}
    for name, gguf in ggufs.items():
        flags = [f.format(gguf=gguf) for f in backend]
        holes, runs = work / f"holes-{name}", work / f"battery-{name}"
        timed(timings, f"holes {name}", holes, "eval", "holes", str(held_out), "--out", str(holes),
              "--per-file", str(args.holes_per_file), *flags, work=work)  # fmt: skip
        timed(timings, f"battery {name}", runs, "eval", "run", "--battery", str(battery), "--both", "--out",
              str(runs), "--max-tokens", str(args.max_tokens), *flags, work=work)  # fmt: skip
        results[name] = {
            "gguf": str(gguf),
            "perplexity": perplexities[name],
            "holes": json.loads((holes / "report.json").read_text("utf-8"))["metrics"]
            | {"edit_similarity": round(edit_similarity(holes / "holes.jsonl"), 4)},
            "battery": json.loads((runs / "report.json").read_text("utf-8"))["metrics"],
        }
    figures = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        "load_average": {"start": started_load, "end": load()},
        "seconds": round(time.perf_counter() - started, 1),
        "timings_s": previous.get("timings_s", {}) | timings,
        "base": str(base),
        "config": str(args.config),
        "training": json.loads((run / "sft" / "adapter" / "training.json").read_text("utf-8"))["metrics"],
        "held_out_repositories": json.loads((data / "stats.json").read_text("utf-8"))["split"]["eval_repositories"],
        "held_out_files": {"file": str(held_out), "files": len(held_out.read_text("utf-8").splitlines())},
        "settings": {k: v for k, v in vars(args).items() if k not in ("corpus", "work", "base", "config")},
        "models": results,
    }
    record.write_text(json.dumps(figures, indent=2) + "\n", "utf-8")
    print(markdown(figures))
    return 0


def held_out_files(files: Path, count: int, work: Path) -> Path:
    """The eval split's files, or `count` of them taken at an even stride (every repository keeps its
    share) into work/held-out-files.jsonl."""
    lines = [line for line in files.read_text("utf-8").splitlines() if line.strip()]
    if count <= 0 or count >= len(lines):
        return files
    chosen = work / "held-out-files.jsonl"
    chosen.write_text("".join(lines[i * len(lines) // count] + "\n" for i in range(count)), "utf-8")
    return chosen


def pretrained_gguf() -> Path:
    from spcopilot.server.ai.pretrained import pretrained_model

    return pretrained_model().gguf


def dequantized(gguf: Path) -> Path:
    from spcopilot.export.gguf_base import dequantized_base

    return dequantized_base(gguf).folder


ROWS = (
    ("perplexity of held-out code (lower is better)", lambda m: m["perplexity"]["perplexity"], "{:.3f}"),
    ("holes: exact match", lambda m: m["holes"]["exact_rate"], "pct"),
    ("holes: edit similarity", lambda m: m["holes"]["edit_similarity"], "pct"),
    ("holes: pass rate", lambda m: m["holes"]["pass_rate"], "pct"),
    ("battery raw: pass rate", lambda m: m["battery"]["raw"]["pass_rate"], "pct"),
    ("battery raw: wrong-API rate (lower is better)", lambda m: _wrong(m["battery"]["raw"]), "pct"),
    ("battery guarded: pass rate", lambda m: m["battery"]["guarded"]["pass_rate"], "pct"),
    ("battery guarded: wrong-API rate (lower is better)", lambda m: _wrong(m["battery"]["guarded"]), "pct"),
    ("battery raw: parse rate", lambda m: m["battery"]["raw"]["parse_rate"], "pct"),
)


def _wrong(metrics: dict[str, Any]) -> float | None:
    avoidance = metrics.get("wrong_api_avoidance")
    return None if avoidance is None else 1 - avoidance


def _fmt(value: float | None, style: str) -> str:
    if value is None:
        return "n/a"
    return f"{100 * value:.1f} %" if style == "pct" else style.format(value)


def markdown(figures: dict[str, Any]) -> str:
    base, tuned = figures["models"]["base"], figures["models"]["fine-tune"]
    lines = ["| figure | base | fine-tune |", "|---|---|---|"]
    for label, get, style in ROWS:
        lines.append(f"| {label} | {_fmt(get(base), style)} | {_fmt(get(tuned), style)} |")
    ppl_base, ppl_tuned = base["perplexity"]["perplexity"], tuned["perplexity"]["perplexity"]
    lines.append("")
    lines.append(f"Perplexity change: {100 * (ppl_tuned / ppl_base - 1):+.1f} %. Machine: {figures['machine']}; "
                 f"load average {figures['load_average']['start']} at the start, {figures['load_average']['end']} "
                 f"at the end; {figures['seconds'] / 60:.0f} min in all.")  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
