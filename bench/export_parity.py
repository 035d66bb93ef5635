"""Parity of exported GGUFs with the merged Hugging Face model (float32 reference).

    python bench/export_parity.py                                   # the tiny test model + its adapter
    python bench/export_parity.py --real [--adapter DIR]            # SmolLM2-135M-Instruct (GGUF base)
    python bench/export_parity.py --base DIR|FILE.gguf --adapter DIR [--pretokenizer qwen2] [--quant q8_0,q4_k_m]

Runs the whole `spcopilot export` pipeline into a temporary folder and prints, per GGUF, the max
and mean absolute difference of the next-token logits at the last prompt position, the max over
all positions, and top-1 agreement at the last positions, over all positions and over the
decisive positions (the reference's best token leads by >= 0.5 logits). Targets: f16 within the
export's own gate (0.2 % of the logit scale, at least 0.01), q8_0 top-1 agreement >= 99 % over all
positions and over the decisive ones. Exit code 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
Q8_TOP1 = 0.99


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, help="base model folder or GGUF file (default: the tiny test model)")
    parser.add_argument("--real", action="store_true", help="the real base: SmolLM2-135M-Instruct's GGUF (cached)")
    parser.add_argument("--adapter", type=Path, help="LoRA adapter folder (default: the tiny test adapter)")
    parser.add_argument("--quant", default="q8_0,q4_k_m,q5_k_m")
    parser.add_argument("--prompts", type=int, default=12, help="parity prompts (up to 12)")
    parser.add_argument("--pretokenizer", help="as for `spcopilot export` (the tiny model needs qwen2)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    from spcopilot.export.pipeline import ExportOptions, run_export
    from spcopilot.export.quantize import parse_quant_list

    base, adapter, pretokenizer = args.base, args.adapter, args.pretokenizer
    if args.real:
        from spcopilot.server.ai.pretrained import pretrained_model

        base = pretrained_model().gguf
    if base is None:
        sys.path.insert(0, str(REPO))
        from tests.tiny_model import build_tiny_model

        started = time.perf_counter()
        tiny = build_tiny_model()
        print(f"tiny model: {tiny.root} ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
        base, adapter, pretokenizer = tiny.hf_dir, adapter or tiny.adapter_dir, pretokenizer or "qwen2"

    with tempfile.TemporaryDirectory(prefix="export-parity-") as tmp:
        started = time.perf_counter()
        result = run_export(
            ExportOptions(
                base=base,
                adapter=adapter,
                out=Path(tmp) / "bench",
                quants=parse_quant_list(args.quant),
                pretokenizer=pretokenizer,
                parity_prompts=args.prompts,
                max_logit_diff=float("inf"),  # measure, do not gate: the targets are judged below
                progress=False,
            )
        )
        elapsed = time.perf_counter() - started

    figures = {f.file.removeprefix("bench-").removesuffix(".gguf"): f for f in result.parity}
    checks = []
    if "f16" in figures:
        gate = result.gate or 0.0
        checks.append(
            (f"f16 max abs diff (last) <= {gate:.4g} (the export's gate)", figures["f16"].max_abs_diff_last <= gate)
        )
    if "q8_0" in figures:
        checks.append(("q8_0 top-1 agreement (all) >= 99%", figures["q8_0"].top1_agreement_all >= Q8_TOP1))
        checks.append(("q8_0 top-1 agreement (decisive) >= 99%", figures["q8_0"].top1_agreement_decisive >= Q8_TOP1))
    if args.json:
        print(json.dumps({"files": [f.to_json() for f in result.parity], "export_s": round(elapsed, 1)}, indent=2))
    else:
        print(
            f"export + verification: {elapsed:.1f} s; {result.parity[0].prompts} prompts, {result.parity[0].positions} positions"
        )
        print(
            f"{'file':8} {'max|d| last':>12} {'mean|d| last':>13} {'max|d| all':>11} {'top-1 last':>11} {'top-1 all':>10} "
            f"{'top-1 decisive':>15}"
        )
        for kind, f in figures.items():
            print(
                f"{kind:8} {f.max_abs_diff_last:12.4f} {f.mean_abs_diff_last:13.4f} {f.max_abs_diff_all:11.4f} "
                f"{f.top1_agreement_last:11.1%} {f.top1_agreement_all:10.1%} "
                f"{f.top1_agreement_decisive:8.1%} of {f.decisive_positions}"
            )
        for label, ok in checks:
            print(f"{'PASS' if ok else 'FAIL'}  {label}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
