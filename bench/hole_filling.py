"""Hole-filling benchmark: how well a model completes held-out plugins through the editor's path.

    python bench/hole_filling.py [SRC ...] [--gguf PATH | --model M --base-url URL | --replay-file F]
                                 [--per-file 3] [--kinds statement,block,body] [--out DIR]

Runs `spcopilot eval holes` twice on the same holes (see training/eval/hole_bench.py):
- model: the model under test (default: the tiny test model, tests/tiny_model.py, built and
  cached on first use);
- oracle: a replay backend that answers every hole with the text cut out of it, through the same
  path (filters and snippet guard included). That is the ceiling of the scores on these files,
  measured in the same run: an oracle hole fails only where the original code itself has an
  error the guard withholds or fixes, or a call the guard rewrites.
Default SRC: examples/ (the tiny model never saw them). For a real evaluation, pass the eval
split of `spcopilot data prepare` (its folder) and your GGUF. Prints a markdown table (model,
oracle, model ÷ oracle); nothing asserts on it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

METRICS = (
    ("pass rate", "pass_rate"),
    ("filled", "filled_rate"),
    ("parses", "parse_rate"),
    ("lint-clean", "lint_clean_rate"),
    ("call recall", "call_recall"),
    ("event recall", "event_recall"),
    ("exact", "exact_rate"),
)


def pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def ratio(model: float | None, oracle: float | None) -> str:
    return "–" if model is None or not oracle else f"{model / oracle:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sources", type=Path, nargs="*", default=[ROOT / "examples"])
    parser.add_argument("--gguf", type=Path)
    parser.add_argument("--model")
    parser.add_argument("--base-url")
    parser.add_argument("--replay-file", type=Path)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--per-file", type=int, default=3)
    parser.add_argument("--kinds", default="statement,block,body")
    parser.add_argument("--fill-tokens", type=int, default=256)
    parser.add_argument("--out", type=Path, help="keep the two run folders here (default: a temporary folder)")
    args = parser.parse_args()

    from spcopilot.training.eval.cli import parse_kinds
    from spcopilot.training.eval.held_out import load_plugins
    from spcopilot.training.eval.hole_bench import oracle_records

    from spcopilot.cli import main as spcopilot

    model_flags: list[str] = []
    if args.gguf or not (args.model or args.base_url or args.replay_file):
        gguf = args.gguf
        if gguf is None:
            from tests.tiny_model import build_tiny_model

            gguf = build_tiny_model().gguf_f16
        model_flags = ["--gguf", str(gguf), "--threads", str(args.threads)]
    for flag, value in (("--model", args.model), ("--base-url", args.base_url), ("--replay-file", args.replay_file)):
        if value:
            model_flags += [flag, str(value)]
    common = [*map(str, args.sources), "--per-file", str(args.per_file), "--kinds", args.kinds,
              "--fill-tokens", str(args.fill_tokens), "--overwrite"]  # fmt: skip

    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        oracle_file = out / "oracle.jsonl"
        out.mkdir(parents=True, exist_ok=True)
        plugins = load_plugins(args.sources)
        records = oracle_records(plugins, args.per_file, parse_kinds(args.kinds))
        oracle_file.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        for name, flags in (("model", model_flags), ("oracle", ["--replay-file", str(oracle_file)])):
            code = spcopilot(["eval", "holes", *common, *flags, "--out", str(out / name)])
            if code != 0:
                return code
        model = json.loads((out / "model" / "report.json").read_text(encoding="utf-8"))
        oracle = json.loads((out / "oracle" / "report.json").read_text(encoding="utf-8"))

    m, o = model["metrics"], oracle["metrics"]
    print(f"\n{m['holes']} holes in {model['run']['plugins_used']} plugins; model: {model['run']['model']}\n")
    print("| metric | model | oracle (ceiling) | model ÷ oracle |")
    print("|---|---:|---:|---:|")
    for label, key in METRICS:
        print(f"| {label} | {pct(m[key])} | {pct(o[key])} | {ratio(m[key], o[key])} |")
    print()
    print("| kind | holes | model pass | oracle pass |")
    print("|---|---:|---:|---:|")
    for kind, km in model["by_kind"].items():
        print(f"| {kind} | {km['holes']} | {pct(km['pass_rate'])} | {pct(oracle['by_kind'][kind]['pass_rate'])} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
