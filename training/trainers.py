"""`spcopilot train sft` and `spcopilot train dpo`: the config's knobs handed to trl's trainers.

The code reads the config and calls library trainers; nothing is hard-coded per machine. Logs go
to TensorBoard (`<output_dir>/<stage>/runs/`), checkpoints to `<output_dir>/<stage>/checkpoint-N`
(`resume: true` / `--resume` continues from the latest), the adapter to `<output_dir>/<stage>/adapter`.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from spcopilot.training.artifacts import distribution, run_record, save_adapter
from spcopilot.training.config import StageSettings, TrainConfig
from spcopilot.training.engines import BaseModel, Plan, load_model, plan, resolve_base
from spcopilot.training.errors import TrainingError

log = logging.getLogger(__name__)
Say = Callable[[str], None]


def _checkpointing_key() -> str:
    """transformers 5.2x renamed gradient_checkpointing (the old name warns until v6)."""
    from dataclasses import fields

    from transformers import TrainingArguments

    names = {f.name for f in fields(TrainingArguments)}
    return "activation_checkpointing" if "activation_checkpointing" in names else "gradient_checkpointing"


def report_to(say: Say) -> list[str]:
    """TensorBoard when it is installed (event files in <output_dir>/<stage>/runs/), else no logger."""
    from transformers.integrations import is_tensorboard_available

    if is_tensorboard_available():
        return ["tensorboard"]
    say("TensorBoard is not installed: no event logs are written (pip install tensorboard to get them)")
    return []


def _common_args(
    config: TrainConfig, stage: StageSettings, plan_: Plan, out: Path, has_eval: bool, loggers: list[str]
) -> dict[str, Any]:
    eval_steps = stage.eval_steps if has_eval and stage.eval_steps > 0 else None
    return {
        "output_dir": str(out),
        "per_device_train_batch_size": stage.per_device_train_batch_size,
        "per_device_eval_batch_size": stage.per_device_eval_batch_size,
        "gradient_accumulation_steps": stage.gradient_accumulation_steps,
        "num_train_epochs": stage.num_train_epochs,
        "max_steps": stage.max_steps,
        "learning_rate": stage.learning_rate,
        "lr_scheduler_type": stage.lr_scheduler_type,
        "warmup_steps": stage.warmup_steps,
        "weight_decay": stage.weight_decay,
        "logging_steps": stage.logging_steps,
        "save_strategy": "steps",
        "save_steps": stage.save_steps,
        "save_total_limit": stage.save_total_limit,
        "eval_strategy": "steps" if eval_steps else "no",
        "eval_steps": eval_steps,
        "bf16": plan_.bf16,
        "fp16": False,
        _checkpointing_key(): config.gradient_checkpointing and plan_.engine != "unsloth",
        "dataloader_num_workers": config.dataloader_num_workers,
        "dataset_num_proc": config.dataset_num_proc if config.dataset_num_proc > 1 else None,
        "max_length": config.max_seq_length,
        "report_to": loggers,
        "seed": config.seed,
        "data_seed": config.seed,
        "use_cpu": plan_.device == "cpu",
        "ddp_find_unused_parameters": False if int(os.environ.get("WORLD_SIZE", "1")) > 1 else None,
    }


def _prepare_output(config: TrainConfig, stage: str, overwrite: bool) -> Path:
    out = config.stage_dir(stage)
    adapter = out / "adapter"
    if adapter.exists() and not (config.resume or overwrite):
        raise TrainingError(
            f"{adapter} already exists: pass --resume to continue that run, --overwrite to train again, "
            "or choose another output_dir"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TrainingError(f"cannot create {out}: {exc.strerror}") from None
    return out


def _resume_from(config: TrainConfig, out: Path) -> bool:
    if not config.resume:
        return False
    checkpoints = sorted(out.glob("checkpoint-*"))
    if not checkpoints:
        log.warning("resume: no checkpoint in %s yet; starting from the beginning", out)
    return bool(checkpoints)


def _first(dataset: Any, count: int) -> Any:
    if dataset is None or count <= 0 or len(dataset) <= count:
        return dataset
    return dataset.select(range(count))


def _check_sharding(trainer: Any, say: Say) -> None:
    """accelerate (1.15) turns its FSDP config on only across accelerators: on CPUs the processes form a
    MULTI_CPU (gloo) group and the config is silently dropped. Say so rather than let a run look sharded."""
    wanted = os.environ.get("ACCELERATE_USE_FSDP", "false").lower() == "true"
    if wanted and not getattr(trainer, "is_fsdp_enabled", False):
        say(
            "the FSDP config is not in effect: accelerate shards a model only across GPUs (or other accelerators); "
            "on CPUs these processes train as plain data parallel (DDP over gloo), each holding the whole model"
        )


def _train(trainer: Any, resume: bool, eval_dataset: Any, say: Say) -> dict[str, Any]:
    _check_sharding(trainer, say)
    result = trainer.train(resume_from_checkpoint=True if resume else None)
    metrics = {f"train/{k}": v for k, v in result.metrics.items()}
    if eval_dataset is not None:
        step = trainer.state.global_step
        done = [e for e in trainer.state.log_history if "eval_loss" in e and e.get("step") == step]
        # the evaluation of the last step, unless eval_steps already ran one there
        last = {k: v for k, v in done[-1].items() if k.startswith("eval_")} if done else trainer.evaluate()
        metrics |= {f"eval/{k}": v for k, v in last.items()} | {"eval/step": step}
    metrics["steps"] = trainer.state.global_step
    metrics["distributed"] = distribution(trainer)
    metrics["log_history"] = trainer.state.log_history[-20:]
    return metrics


def _start(config: TrainConfig, stage: str, overwrite: bool, say: Say) -> tuple[Plan, Path, BaseModel]:
    chosen = plan(config)
    out = _prepare_output(config, stage, overwrite)
    base = resolve_base(config)
    if base.note:
        say(f"base: {base.note}")
    if config.cpu_threads > 0:
        from spcopilot.training.engines import torch_module

        torch_module().set_num_threads(config.cpu_threads)
    _seed(config.seed)
    return chosen, out, base


def serving_system_prompt(model: Any) -> str:
    """The system prompt the server gives this model (compact for small ones): what its chat examples get."""
    from spcopilot.server.ai.prompts.system import system_prompt_for

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    parameters = sum(p.numel() for name, p in base.named_parameters() if "lora_" not in name)
    return system_prompt_for(parameters, getattr(base.config, "max_position_embeddings", None))


def _seed(seed: int) -> None:
    """Seed python, numpy and torch before the model is built: the LoRA matrices start from it too
    (the trainers seed again when they start, which is too late for them)."""
    from transformers import set_seed

    set_seed(seed)


def run_sft(config: TrainConfig, overwrite: bool = False, say: Say = log.warning) -> Path:
    """Supervised fine-tuning on the prepared chat examples and FIM holes; returns the adapter folder."""
    started = time.time()
    chosen, out, base = _start(config, "sft", overwrite, say)
    model, tokenizer = load_model(config, chosen, "sft", base)
    from spcopilot.training.sft_data import sft_datasets
    from trl import SFTConfig, SFTTrainer

    stage = config.sft
    train, evaluation, info = sft_datasets(
        Path(config.data),
        tokenizer,
        config.max_seq_length,
        stage.include_fim,
        stage.fim_family,
        config.dataset_num_proc,
        include_files=stage.include_files,
        files_max_windows=stage.files_max_windows,
        plugin_repeats=stage.plugin_repeats,
        seed=config.seed,
        system=serving_system_prompt(model),
        max_truncated_share=config.max_truncated_share,
    )
    if info.other_system_prompt:
        say(
            f"{info.other_system_prompt} chat examples carry a system prompt that is not this version's server prompt "
            "(prepared by another version, or your own), so it is trained as written, not as the model will be "
            "served; run `spcopilot data prepare` again to train with the served one"
        )
    for what, count in info.left_out.items():
        if count:
            say(f"{what}: {count} examples are longer than max_seq_length ({config.max_seq_length}) and were left out")
    evaluation = _first(evaluation, stage.eval_samples)
    args = SFTConfig(**_common_args(config, stage, chosen, out, evaluation is not None, report_to(say)))
    trainer = SFTTrainer(
        model=model, args=args, train_dataset=train, eval_dataset=evaluation, processing_class=tokenizer
    )
    metrics = _train(trainer, _resume_from(config, out), evaluation, say)
    record = run_record("sft", config.to_json(), info.to_json(), metrics, chosen, started, base.to_json())
    return save_adapter(trainer, tokenizer, out / "adapter", record)


def run_dpo(config: TrainConfig, overwrite: bool = False, say: Say = log.warning) -> Path:
    """Preference tuning on the pairs of `data dpo`; starts from `dpo.adapter` when set."""
    started = time.time()
    from spcopilot.training.sft_data import dpo_datasets

    dpo_datasets(Path(config.data))  # a missing or malformed pair file fails here, before the model loads
    chosen, out, base = _start(config, "dpo", overwrite, say)
    model, tokenizer = load_model(config, chosen, "dpo", base)
    train, evaluation, info = dpo_datasets(Path(config.data), serving_system_prompt(model))
    from trl import DPOConfig, DPOTrainer

    stage = config.dpo
    evaluation = _first(evaluation, stage.eval_samples)
    loggers = report_to(say)
    args = DPOConfig(**_common_args(config, stage, chosen, out, evaluation is not None, loggers), beta=stage.beta)
    trainer = DPOTrainer(
        model=model, args=args, train_dataset=train, eval_dataset=evaluation, processing_class=tokenizer
    )
    kept = len(trainer.train_dataset)  # type: ignore[arg-type]  # a Dataset here (from_list)
    if kept == 0:
        raise TrainingError(
            f"every DPO prompt is at least max_seq_length ({config.max_seq_length}) tokens long, so trl dropped "
            "all pairs; raise max_seq_length"
        )
    if kept < len(train):
        log.warning(
            "%d of %d DPO pairs were dropped: their prompts exceed max_seq_length", len(train) - kept, len(train)
        )
    metrics = _train(trainer, _resume_from(config, out), evaluation, say)
    data = info.to_json() | {"started_from_adapter": stage.adapter, "pairs_used": kept}
    record = run_record("dpo", config.to_json(), data, metrics, chosen, started, base.to_json())
    return save_adapter(trainer, tokenizer, out / "adapter", record)
