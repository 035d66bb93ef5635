"""`spcopilot export`: turn a trained LoRA adapter into GGUF files for the offline mode and Ollama.

The top-level `spcopilot` command calls `register(subparsers)`. Nothing heavy (torch,
transformers, llama_cpp) is imported before the command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from spcopilot.diagnostics.errors import SpcopilotError
from spcopilot.export import DEFAULT_MAX_LOGIT_DIFF, DEFAULT_QUANTS, RELATIVE_MAX_LOGIT_DIFF


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="merge a LoRA adapter, convert to GGUF, quantize, write an Ollama Modelfile",
        description=(
            "Merge a LoRA adapter into its base model, convert the result to GGUF with llama.cpp's own converter, "
            "quantize it, write an Ollama Modelfile and manifest.json, and verify every GGUF against the merged "
            "model (parity.json). The output folder appears only when everything passed."
        ),
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base",
        type=Path,
        required=True,
        metavar="PATH",
        help="the base model: a Hugging Face folder, or a GGUF file (dequantized by transformers, as `train` does)",
    )
    parser.add_argument(
        "--adapter", type=Path, metavar="DIR", help="the LoRA adapter (peft folder); without it the base is exported"
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="the output folder (must not exist)")
    parser.add_argument(
        "--quant",
        default=",".join(DEFAULT_QUANTS),
        metavar="LIST",
        help="quantized files to write, comma-separated: q4_k_m, q5_k_m, q8_0, q6_k, q4_0, ... "
        "('' for none; the first one is the Modelfile's). Default: %(default)s",
    )
    parser.add_argument(
        "--name", help="model name for file names and `ollama create` (default: the --out folder's name)"
    )
    parser.add_argument("--outtype", choices=("f16", "bf16", "f32"), default="f16", help="unquantized GGUF type")
    parser.add_argument(
        "--llama-cpp-dir",
        type=Path,
        metavar="DIR",
        help="take convert_hf_to_gguf.py from this llama.cpp checkout instead of the installed llama-cpp-python's sdist",
    )
    parser.add_argument(
        "--pretokenizer",
        metavar="NAME",
        help="for a tokenizer llama.cpp's converter does not recognise: convert it as this pre-tokenizer "
        "(e.g. qwen2); the export then checks that llama.cpp tokenizes like the Hugging Face tokenizer",
    )
    parser.add_argument(
        "--parity-prompts",
        type=int,
        default=8,
        metavar="N",
        help="prompts for the logit comparison with the merged model (0 skips it). Default: %(default)s",
    )
    parser.add_argument(
        "--max-logit-diff",
        type=float,
        default=None,
        metavar="X",
        help="fail when the unquantized GGUF's logits differ from the merged model's by more than X. Default: "
        f"{RELATIVE_MAX_LOGIT_DIFF:g} x the model's largest logit at the compared positions, at least "
        f"{DEFAULT_MAX_LOGIT_DIFF:g} (f16 rounding grows with the logits' scale)",
    )
    parser.add_argument("--system-prompt-file", type=Path, metavar="FILE", help="SYSTEM text for the Modelfile")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def run(args: argparse.Namespace) -> int:
    from spcopilot.export.pipeline import ExportOptions, run_export
    from spcopilot.export.quantize import parse_quant_list

    if args.parity_prompts < 0:
        raise SpcopilotError("--parity-prompts must be 0 or more")
    system = None
    if args.system_prompt_file is not None:
        try:
            system = args.system_prompt_file.read_text("utf-8").strip()
        except OSError as exc:
            raise SpcopilotError(f"--system-prompt-file {args.system_prompt_file}: {exc.strerror}") from None
    options = ExportOptions(
        base=args.base,
        out=args.out,
        adapter=args.adapter,
        quants=parse_quant_list(args.quant),
        name=args.name,
        outtype=args.outtype,
        llama_cpp_dir=args.llama_cpp_dir,
        pretokenizer=args.pretokenizer,
        parity_prompts=args.parity_prompts,
        max_logit_diff=args.max_logit_diff,
        system_prompt=system,
        force=args.force,
        progress=not args.no_progress,
    )
    result = run_export(options)
    print(f"exported to {result.out}")
    for figures in result.parity:
        print(
            f"  {figures.file}: max |Δlogit| {figures.max_abs_diff_last:.4f} (last token), "
            f"{figures.max_abs_diff_all:.4f} (all positions); top-1 agreement "
            f"{figures.top1_agreement_last:.0%} (last), {figures.top1_agreement_all:.1%} (all {figures.positions}), "
            f"{figures.top1_agreement_decisive:.1%} (the {figures.decisive_positions} decisive)"
        )
    for kind, path in result.ggufs.items():
        print(f"  {kind:7} {path.name}")
    print(f"  Ollama: cd {result.out} && ollama create {result.manifest['name']} -f Modelfile")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="spcopilot export")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except SpcopilotError as error:
        print(f"spcopilot export: error: {error}", file=sys.stderr)
        return 2
