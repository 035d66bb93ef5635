"""What a training run leaves behind: `<output_dir>/<stage>/adapter/` with the LoRA adapter, the
tokenizer and `training.json` (config, data hashes, metrics, versions).

The adapter is saved into `adapter.partial` and renamed at the very end; a failure on the way
(disk full, ...) removes the partial folder and raises TrainingError, so a folder named
`adapter` is always complete. Under `accelerate launch` every process takes part in the save
(FSDP gathers the weights) and the main process writes and renames.
"""

from __future__ import annotations

import platform
import resource
import shutil
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from spcopilot.training.errors import TrainingError
from spcopilot.training.staging import describe_os_error, write_json

PACKAGES = ("torch", "transformers", "peft", "trl", "datasets", "accelerate", "bitsandbytes", "sourcepawn-copilot")


def versions(engine: str) -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    if engine == "unsloth":
        from spcopilot.training.unsloth_engine import version

        found["unsloth"] = version()
    return found


def device_description(device: str) -> str:
    if device != "cuda":
        return f"cpu ({platform.processor() or platform.machine()})"
    import torch

    return f"cuda: {torch.cuda.get_device_name(0)} x{torch.cuda.device_count()}"


def cpu_seconds() -> float:
    """CPU time of this process (all its threads) and its finished children (tokenizing workers): on a
    machine shared with other work, the wall time says little; this says what the run cost."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return round(own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime, 1)


def run_record(
    stage: str,
    config: dict[str, Any],
    data: dict[str, Any],
    metrics: dict[str, Any],
    plan: Any,
    started: float,
    base: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "stage": stage,
        "base": base,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": round(time.time() - started, 1),
        "cpu_seconds": cpu_seconds(),
        "engine": plan.engine,
        "device": device_description(plan.device),
        "bf16": plan.bf16,
        "config": config,
        "data": data,
        "metrics": metrics,
        "versions": versions(plan.engine),
    }


def distribution(trainer: Any) -> dict[str, Any]:
    """How the run was spread: processes, accelerate's distributed type, FSDP or not (what the record shows)."""
    accelerator = getattr(trainer, "accelerator", None)
    state = getattr(accelerator, "state", None)
    kind = getattr(state, "distributed_type", None)
    plugin = getattr(state, "fsdp_plugin", None)
    return {
        "processes": int(getattr(accelerator, "num_processes", 1) or 1),
        "type": getattr(kind, "value", str(kind)) if kind is not None else "NO",
        "backend": getattr(state, "backend", None),
        "fsdp_version": getattr(plugin, "fsdp_version", None) if getattr(trainer, "is_fsdp_enabled", False) else None,
    }


def _save_weights(trainer: Any, folder: Path, main: bool) -> None:
    """The trained adapter only: trl's DPO keeps a frozen `ref` copy of the adapter in the same
    PeftModel, which is not part of the result."""
    model = trainer.accelerator.unwrap_model(trainer.model) if hasattr(trainer, "accelerator") else trainer.model
    adapters = list(getattr(model, "peft_config", {}) or {})
    if len(adapters) > 1 and not getattr(trainer, "is_fsdp_enabled", False):
        if main:
            model.save_pretrained(str(folder), selected_adapters=[getattr(model, "active_adapter", "default")])
        return
    trainer.save_model(str(folder))


def save_adapter(trainer: Any, tokenizer: Any, target: Path, record: dict[str, Any]) -> Path:
    partial = target.with_name(target.name + ".partial")
    main = trainer.is_world_process_zero()
    accelerator = getattr(trainer, "accelerator", None)
    try:
        if main:
            shutil.rmtree(partial, ignore_errors=True)
        if accelerator is not None:
            accelerator.wait_for_everyone()
        _save_weights(trainer, partial, main)
        if main:
            tokenizer.save_pretrained(str(partial))
            write_json(partial / "training.json", record)
            if target.exists():
                old = target.with_name(target.name + ".old")
                shutil.rmtree(old, ignore_errors=True)
                target.rename(old)
                partial.rename(target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                partial.rename(target)
    except OSError as exc:
        if main:
            shutil.rmtree(partial, ignore_errors=True)
        raise TrainingError(
            f"could not save the adapter to {target}: {describe_os_error(exc)}; the partial copy was removed "
            f"(checkpoints in {target.parent} can be resumed with --resume)"
        ) from None
    if accelerator is not None:
        accelerator.wait_for_everyone()
    return target
