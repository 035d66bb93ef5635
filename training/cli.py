"""The training layer's sub-commands: `spcopilot data ...` and `spcopilot train ...`.

Nothing heavy (datasets, torch, transformers, trl) is imported before a command runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from spcopilot.training.errors import TrainingError
from spcopilot.training.sizing import DEFAULT_MAX_TOKENS, DEFAULT_MAX_TRUNCATED_SHARE

CONFIGS = Path(__file__).parent / "configs"


def register(subparsers: argparse._SubParsersAction) -> None:
    data = subparsers.add_parser(
        "data", help="build and audit training data", description="Build and audit training data."
    )
    data_sub = data.add_subparsers(dest="data_command", metavar="STEP", required=True)
    _register_prepare(data_sub)
    _register_dpo_data(data_sub)
    _register_feedback(data_sub)
    report = data_sub.add_parser(
        "report",
        help="the data-quality tables of a prepared folder (markdown)",
        description="Print the data-quality tables of a folder `data prepare` (and `data dpo`) wrote: what each "
        "step dropped and why, examples per kind, sizing and truncation, the split, duplicates removed, the "
        "preference pairs' balance per kind, the audit's result.",
    )
    report.add_argument("data", type=Path, metavar="DIR", help="a folder `spcopilot data prepare` wrote")
    report.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the markdown to FILE")
    report.set_defaults(func=run_report)
    check = data_sub.add_parser(
        "check",
        help="audit JSONL training files with the engine",
        description="Every assistant code block must pass the engine with zero error-severity findings; "
        "preference pairs must balance and never teach a real name as wrong or an invented one as right. "
        "Exit 0: clean; 1: problems found; 2: unreadable input.",
    )
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("-j", "--jobs", dest="num_proc", type=int, metavar="N", help="worker processes (every core)")
    check.set_defaults(func=run_check)

    train = subparsers.add_parser(
        "train", help="fine-tune models (LoRA SFT/DPO, OpenAI)", description="Fine-tune models."
    )
    train_sub = train.add_subparsers(dest="train_command", metavar="STAGE", required=True)
    for stage, text in (("sft", "supervised fine-tuning (LoRA)"), ("dpo", "preference tuning (DPO, LoRA)")):
        p = train_sub.add_parser(stage, help=text, description=f"{text} from a YAML config ({CONFIGS} has examples).")
        p.add_argument("--config", type=Path, required=True, help="the YAML config")
        p.add_argument("--base-model", help="override base_model")
        p.add_argument("--data", help="override data (the prepared folder)")
        p.add_argument("--output-dir", help="override output_dir")
        p.add_argument("--device", choices=("auto", "cuda", "cpu"), help="override device")
        p.add_argument("--max-steps", type=int, help=f"override {stage}.max_steps")
        p.add_argument("--seed", type=int, help="override seed (LoRA initialisation, data order, dropout)")
        p.add_argument("--resume", action="store_true", help="continue from the latest checkpoint")
        p.add_argument("--overwrite", action="store_true", help="replace an existing adapter")
        if stage == "dpo":
            p.add_argument("--adapter", help="override dpo.adapter (start from this SFT adapter)")
        p.set_defaults(func=run_train, stage=stage)
    _register_openai(train_sub)


def _register_prepare(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "prepare",
        help="corpus folders -> sanitised ChatML, FIM and held-out eval data",
        description="Filter, deduplicate, game-filter and sanitise a corpus of .sp/.inc files, then write "
        "ChatML instruction examples, FIM holes and contrastive examples, split by repository.",
    )
    p.add_argument(
        "sources", nargs="+", type=Path, metavar="SOURCE", help="folders of .sp/.inc files (or of repositories)"
    )
    p.add_argument("--out", type=Path, required=True, help="the folder to write (must not exist unless --overwrite)")
    p.add_argument(
        "--eval-fraction", type=float, default=0.1, help="share of files held out, stratified by repository (0.1)"
    )
    p.add_argument(
        "--split",
        choices=("stratified", "repository"),
        default="stratified",
        help="stratified: every repository gives its share of plugins (default); repository: whole repositories "
        "are held out (a stricter test of generalisation; the share is then only approximate)",
    )
    p.add_argument("--contrastive-fraction", type=float, default=0.15, help="share of anti-pattern examples (0.15)")
    p.add_argument("--min-code-bytes", type=int, default=200, help="smaller files are dropped (200)")
    p.add_argument("--near-duplicate-threshold", type=float, default=0.7, help="MinHash similarity (0.7)")
    p.add_argument("--holes-per-file", type=int, default=3, help="FIM holes cut from each file (3)")
    p.add_argument("--functions-per-file", type=int, default=2, help="function-level instructions per file (2)")
    p.add_argument(
        "--include-dir",
        action="append",
        type=Path,
        default=[],
        help="a SourceMod include folder (repeatable): FIM prompts get the signature notes the server adds",
    )
    p.add_argument(
        "--max-tokens",
        type=int,
        default=DEFAULT_MAX_TOKENS,
        help=f"longest example, in (estimated) tokens: longer plugins become a skeleton and parts ({DEFAULT_MAX_TOKENS})",
    )
    p.add_argument(
        "--max-truncated-share",
        type=float,
        default=DEFAULT_MAX_TRUNCATED_SHARE,
        help=f"refuse a set where more examples than this share exceed --max-tokens ({DEFAULT_MAX_TRUNCATED_SHARE})",
    )
    p.add_argument(
        "--system-prompt",
        choices=("full", "compact"),
        default="full",
        help="the system prompt the chat examples carry and are sized with: full (what the server gives a model "
        "of 1B parameters or more, and OpenAI's) or compact (what it gives a small model, e.g. SmolLM2-135M: "
        "~650 more tokens of each example are left for the answer) (full)",
    )
    p.add_argument(
        "--old-syntax",
        choices=("convert", "drop", "keep"),
        default="convert",
        help="old-syntax plugins: convert to modern syntax (those that cannot be are dropped), drop them, or keep "
        "them as they are (convert)",
    )
    _register_run_flags(p)
    p.set_defaults(func=run_prepare)


def _register_run_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("-j", "--jobs", "--num-proc", dest="num_proc", type=int, metavar="N",
                   help="worker processes (default: every core)")  # fmt: skip
    p.add_argument("--no-progress", action="store_true", help="print nothing while working")
    p.add_argument("--fresh", action="store_true", help="start over instead of resuming an interrupted run (DIR.work)")
    p.add_argument("--overwrite", action="store_true", help="replace the output folder if it exists")


def _register_dpo_data(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "dpo",
        help="preference pairs (rejections, acceptances, probe) from a prepared folder",
        description="Write DATA_DIR/dpo/{train,eval,probe}.jsonl: rejection pairs from rule-derived mutations "
        "the engine verifies, as many acceptance pairs about real APIs and events, and a held-out probe.",
    )
    p.add_argument("data", type=Path, metavar="DATA_DIR", help="a folder `spcopilot data prepare` wrote")
    p.add_argument("--out", type=Path, help="where to write (default: DATA_DIR/dpo)")
    p.add_argument("--mutations-per-rule", type=int, default=2, help="per file and rule (2)")
    p.add_argument("--probe-per-kind", type=int, default=12, help="probe questions per kind (12)")
    p.add_argument(
        "--max-kind-share",
        type=float,
        default=0.1,
        help="most rejection pairs one kind (a rule, or a rule and a wrong name) may hold (0.1)",
    )
    p.add_argument("--max-tokens", type=int, default=DEFAULT_MAX_TOKENS,
                   help=f"longest pair, in (estimated) tokens ({DEFAULT_MAX_TOKENS})")  # fmt: skip
    _register_run_flags(p)
    p.set_defaults(func=run_dpo_data)


def _register_feedback(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "feedback",
        help="inline-completion feedback logs -> FIM (SFT) records and preference pairs",
        description="Turn the editor's accept/partial/dismiss log (~/.cache/spcopilot/feedback/inline.jsonl) "
        "into DIR/fim.jsonl (accepted text, data prepare's FIM format), DIR/dpo.jsonl (accepted vs dismissed "
        "at one cursor) and DIR/stats.json. Accepted text passes the engine's audit in its context (safe fixes "
        "applied) or is dropped. Exit 2: an invalid log line (file:line), unless --skip-invalid.",
    )
    p.add_argument("logs", nargs="+", type=Path, metavar="LOG", help="feedback JSONL logs")
    p.add_argument("--out", type=Path, required=True, help="the folder to write (must not exist unless --overwrite)")
    p.add_argument(
        "--fim-family",
        default="qwen2.5-coder",
        help="prompt format of dpo.jsonl: a FIM family (qwen2.5-coder, starcoder2, codellama, deepseek-coder), "
        "none (prefix only) or chat (the hole-filler chat prompt) (qwen2.5-coder)",
    )
    p.add_argument(
        "--include-dir",
        action="append",
        type=Path,
        default=[],
        help="a SourceMod include folder (repeatable): prompts get the signature notes the server adds",
    )
    p.add_argument("--skip-invalid", action="store_true", help="skip (and count) invalid lines instead of failing")
    p.add_argument("--overwrite", action="store_true", help="replace DIR if it exists")
    p.set_defaults(func=run_feedback)


def _register_openai(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "openai",
        help="fine-tune an OpenAI model on the prepared data",
        description="Validate, estimate the cost, upload, create the job and follow it (OPENAI_API_KEY).",
    )
    p.add_argument("data", type=Path, metavar="DATA", help="a prepared folder or an OpenAI-format JSONL file")
    p.add_argument("--model", required=True, help="the base model, e.g. gpt-4.1-mini-2025-04-14")
    p.add_argument("--suffix", required=True, help="the name part of the fine-tuned model, e.g. spcopilot")
    p.add_argument("--method", choices=("supervised", "dpo"), default="supervised")
    p.add_argument("--validation", type=Path, help="a validation JSONL (with a file as DATA)")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--beta", type=float, help="DPO beta")
    p.add_argument("--price", type=float, help="USD per million training tokens (overrides the built-in table)")
    p.add_argument("--dry-run", action="store_true", help="validate and estimate only")
    p.add_argument("--no-wait", action="store_true", help="create the job and return")
    p.add_argument("--poll-interval", type=float, default=30.0, help="seconds between status checks (30)")
    p.add_argument("--record", type=Path, help="the job record JSON (default: DATA/openai/job-ID.json)")
    p.add_argument("--base-url", help="an OpenAI-compatible endpoint (default: OPENAI_BASE_URL or OpenAI)")
    p.set_defaults(func=run_openai)
    for name, text in (("openai-status", "show (or --wait for) a fine-tuning job"), ("openai-cancel", "cancel a job")):
        q = sub.add_parser(name, help=text, description=f"{text}; JOB is a job id or a job record file.")
        q.add_argument("job", metavar="JOB")
        q.add_argument("--base-url")
        if name == "openai-status":
            q.add_argument("--wait", action="store_true", help="poll until the job ends")
            q.add_argument("--poll-interval", type=float, default=30.0)
        q.set_defaults(func=run_openai_status if name == "openai-status" else run_openai_cancel)


# ---- handlers ---------------------------------------------------------------------------------
def run_prepare(args: argparse.Namespace) -> int:
    from spcopilot.training.prepare import PrepareOptions, prepare

    for folder in args.include_dir:
        if not folder.is_dir():
            raise TrainingError(f"--include-dir {folder}: no such folder")
    for name in ("eval_fraction", "contrastive_fraction"):
        if not 0 <= getattr(args, name) < 1:
            raise TrainingError(f"--{name.replace('_', '-')} must be at least 0 and below 1")
    if args.max_tokens < 256:
        raise TrainingError("--max-tokens must be at least 256 (the full system prompt alone takes about 700)")
    stats = prepare(
        PrepareOptions(
            sources=args.sources,
            out=args.out,
            eval_fraction=args.eval_fraction,
            contrastive_fraction=args.contrastive_fraction,
            min_code_bytes=args.min_code_bytes,
            near_duplicate_threshold=args.near_duplicate_threshold,
            holes_per_file=args.holes_per_file,
            functions_per_file=args.functions_per_file,
            num_proc=args.num_proc,
            progress=not args.no_progress,
            overwrite=args.overwrite,
            include_dirs=tuple(args.include_dir),
            max_tokens=args.max_tokens,
            max_truncated_share=args.max_truncated_share,
            system_prompt=args.system_prompt,
            old_syntax=args.old_syntax,
            split=args.split,
            fresh=args.fresh,
        )
    )
    for step in stats["steps"]:
        dropped = ", ".join(f"{k} {v}" for k, v in step["dropped"].items() if v) or "nothing dropped"
        print(f"{step['name']:<9} {step['input']:>6} -> {step['output']:<6} ({dropped})")
    for name, info in stats["outputs"].items():
        print(f"  {args.out / name}: {info['records']} records")
    split = stats["split"]
    how = "stratified by repository" if split["method"] == "stratified" else "whole repositories"
    print(f"eval: {split['eval_files']} of {split['files']} files ({100 * split['share']:.1f} %, asked "
          f"{100 * split['asked']:.0f} %), {how}: {', '.join(split['eval_repositories']) or 'none'}")  # fmt: skip
    if split["warning"]:
        print(f"warning: {split['warning']}")
    sizing = stats["sizing"]
    print(f"sizing: {sizing.get('plugins_split', 0)} long plugins split into skeleton + parts; "
          f"{sizing.get('functions_too_long', 0)} functions over {sizing['max_tokens']} tokens left out")  # fmt: skip
    print(f"report: spcopilot data report {args.out}")
    return 0


def run_dpo_data(args: argparse.Namespace) -> int:
    from spcopilot.training.preference_data import DpoOptions, build_pairs

    if not 0 < args.max_kind_share <= 1:
        raise TrainingError("--max-kind-share must be above 0 and at most 1")
    stats = build_pairs(
        DpoOptions(
            data=args.data,
            out=args.out,
            mutations_per_rule=args.mutations_per_rule,
            probe_per_kind=args.probe_per_kind,
            overwrite=args.overwrite,
            progress=not args.no_progress,
            num_proc=args.num_proc,
            max_kind_share=args.max_kind_share,
            max_tokens=args.max_tokens,
            fresh=args.fresh,
        )
    )
    for split in ("train", "eval"):
        s = stats[split]
        kinds = ", ".join(f"{k} {v['rejection']}/{v['acceptance']}" for k, v in s["balance_by_kind"].items())
        print(f"{split}: {s['rejection']} rejection + {s['acceptance']} acceptance pairs (rejection/acceptance by "
              f"kind: {kinds}); rules {s['rejection_by_rule']}")  # fmt: skip
    print(f"probe: {stats['probe']}")
    return 0


def run_report(args: argparse.Namespace) -> int:
    from spcopilot.training.data_report import read_stats, render

    stats, dpo = read_stats(args.data)
    text = render(stats, dpo, str(args.data))
    if args.output is not None:
        from spcopilot.training.staging import write_lines

        write_lines(args.output, [text.rstrip("\n")])
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        print(text, end="")
    return 0


def run_feedback(args: argparse.Namespace) -> int:
    from spcopilot.training.feedback import FeedbackOptions, convert

    stats = convert(
        FeedbackOptions(
            logs=args.logs,
            out=args.out,
            skip_invalid=args.skip_invalid,
            fim_family=args.fim_family,
            include_dirs=tuple(args.include_dir),
            overwrite=args.overwrite,
        )
    )
    print(
        f"events {stats['events']}: {stats['accepted']} accepted, {stats['partial']} partial, "
        f"{stats['dismissed']} dismissed; skipped: {stats['unknown']} unknown kind, {stats['invalid']} invalid"
    )
    print(
        f"audit: {stats['fixed_by_audit']} fixed, {stats['dropped_by_audit']} dropped; "
        f"{stats['duplicates']} duplicates, {stats['empty']} empty"
    )
    for name, info in stats["outputs"].items():
        print(f"  {args.out / name}: {info['records']} records")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from spcopilot.training.audit import audit
    from spcopilot.training.stage_runner import default_jobs

    report = audit(args.files, progress=sys.stderr.isatty(), jobs=default_jobs(args.num_proc))
    if args.format == "json":
        print(json.dumps(report.to_json(), indent=2))
    else:
        for problem in report.problems[:200]:
            print(problem.text())
        if len(report.problems) > 200:
            print(f"... and {len(report.problems) - 200} more")
        print(report.summary())
    return 0 if report.ok else 1


def run_train(args: argparse.Namespace) -> int:
    import os

    # Idle OpenMP threads sleep instead of spinning: on a machine busy with other work, spinning threads
    # that wait for a descheduled peer made a 2-thread CPU step 6x slower than 1 thread (README, training).
    # Read when torch loads its OpenMP runtime, which is below: nothing heavy is imported before a command runs.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from spcopilot.training.config import load_config

    overrides = {
        "base_model": args.base_model,
        "data": args.data,
        "output_dir": args.output_dir,
        "device": args.device,
        "resume": True if args.resume else None,
        "seed": args.seed,
    }
    config = load_config(args.config, overrides)
    if args.max_steps is not None:
        config.stage(args.stage).max_steps = args.max_steps
    if args.stage == "dpo" and args.adapter is not None:
        config.dpo.adapter = args.adapter
    from spcopilot.training.trainers import run_dpo, run_sft

    adapter = (run_sft if args.stage == "sft" else run_dpo)(config, overwrite=args.overwrite, say=_say)
    _say(f"adapter: {adapter} (training.json inside)")
    return 0


def run_openai(args: argparse.Namespace) -> int:
    from spcopilot.training.openai_ft import OpenAIOptions, run

    record = run(
        OpenAIOptions(
            data=args.data,
            model=args.model,
            suffix=args.suffix,
            method=args.method,
            validation=args.validation,
            epochs=args.epochs,
            beta=args.beta,
            price=args.price,
            dry_run=args.dry_run,
            wait=not args.no_wait,
            poll_interval=args.poll_interval,
            record=args.record,
            base_url=args.base_url,
        )
    )
    job = record.get("job") or {}
    return 1 if job.get("status") in ("failed", "cancelled") else 0


def run_openai_status(args: argparse.Namespace) -> int:
    from spcopilot.training.openai_ft import status

    record = status(args.job, args.wait, args.poll_interval, args.base_url)
    return 1 if record["job"].get("status") == "failed" else 0


def run_openai_cancel(args: argparse.Namespace) -> int:
    from spcopilot.training.openai_ft import cancel

    cancel(args.job, args.base_url)
    return 0


def _say(text: str) -> None:
    """Print from the main process only (under `accelerate launch` every process runs the command)."""
    import os

    if int(os.environ.get("RANK", "0")) == 0:
        print(text, flush=True)
