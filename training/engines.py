"""Which engine trains, on which device, and loading the model for it.

- `unsloth` (its `FastLanguageModel`) when CUDA and unsloth are both present (engine: auto), or
  when asked for; it is AGPL-licensed and installed separately: `unsloth_engine.py` imports it
  only when chosen, nothing of it is vendored.
- `transformers` + `peft` (+ `trl` for the trainers) otherwise, with the same config keys.

Several GPUs: run the same command under `accelerate launch` (configs/accelerate/*.yaml); each
process loads the model onto its own GPU (`LOCAL_RANK`).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spcopilot.training.config import TrainConfig
from spcopilot.training.errors import TrainingError, missing_extra

log = logging.getLogger(__name__)
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")


@dataclass(frozen=True, slots=True)
class Plan:
    device: str  # "cuda" or "cpu"
    engine: str  # "unsloth" or "transformers"
    bf16: bool
    local_rank: int


def torch_module() -> Any:
    try:
        import torch
    except ImportError:
        raise missing_extra("torch") from None
    return torch


def plan(config: TrainConfig) -> Plan:
    torch = torch_module()
    has_cuda = bool(torch.cuda.is_available())
    if config.device == "cuda" and not has_cuda:
        raise TrainingError(
            "device: cuda was requested, but torch sees no CUDA GPU "
            f"(torch {torch.__version__}{', a CPU-only build' if '+cpu' in torch.__version__ else ''}); "
            "use device: cpu (or auto) here, or run on a machine with a GPU and a CUDA build of torch"
        )
    device = "cuda" if config.device == "cuda" or (config.device == "auto" and has_cuda) else "cpu"
    unsloth_present = importlib.util.find_spec("unsloth") is not None
    if config.engine == "unsloth":
        if device != "cuda":
            raise TrainingError("engine: unsloth needs a CUDA GPU; use engine: transformers (or auto) on CPU")
        if not unsloth_present:
            raise TrainingError(
                "engine: unsloth was requested but it is not installed; install it separately "
                "(pip install unsloth, AGPL-3.0) or use engine: transformers"
            )
    engine = (
        "unsloth"
        if config.engine == "unsloth" or (config.engine == "auto" and device == "cuda" and unsloth_present)
        else "transformers"
    )
    bf16 = config.bf16
    if bf16 and device == "cpu":
        log.warning("bf16 is off on CPU (the config asks for it; it is meant for GPUs)")
        bf16 = False
    if config.load_in_4bit and device == "cpu" and importlib.util.find_spec("bitsandbytes") is None:
        raise TrainingError(
            "load_in_4bit on CPU needs bitsandbytes (pip install bitsandbytes); or set load_in_4bit: false"
        )
    return Plan(device, engine, bf16, int(os.environ.get("LOCAL_RANK", "0")))


@dataclass(frozen=True, slots=True)
class BaseModel:
    source: str  # what from_pretrained loads: a local folder or a hub id
    gguf: dict[str, Any] | None = None  # for a GGUF base: the dequantized copy's record (dequantized.json)
    note: str = ""  # one line for the user about where the weights came from

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "gguf": self.gguf}


def resolve_base(config: TrainConfig) -> BaseModel:
    """The base model: a GGUF file (dequantized by transformers, once, into the cache), a local folder
    with config.json, or a hub id (org/name) when no such folder exists."""
    base = config.base_model
    path = Path(base).expanduser()
    if path.is_file():
        from spcopilot.export.errors import ExportError
        from spcopilot.export.gguf_base import dequantized_base, is_gguf

        if not is_gguf(path):
            raise TrainingError(
                f"base_model {base}: a file, but not a GGUF file; name a GGUF file or a Hugging Face model folder"
            )
        try:
            dequantized = dequantized_base(path)
        except ExportError as exc:
            raise TrainingError(f"base_model {base}: {exc}") from None
        return BaseModel(str(dequantized.folder), dequantized.info, dequantized.describe())
    if path.exists():
        if not (path / "config.json").is_file():
            raise TrainingError(
                f"base_model {base}: the folder has no config.json (is it a Hugging Face model folder?)"
            )
        return BaseModel(str(path))
    if not _HUB_ID.fullmatch(base):
        raise TrainingError(f"base_model {base}: no such file or folder (download the model first, or fix the path)")
    return BaseModel(base)


def load_tokenizer(source: str) -> Any:
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
    except (OSError, ValueError) as exc:
        raise TrainingError(f"cannot load the tokenizer of {source}: {exc}") from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if not getattr(tokenizer, "chat_template", None):
        raise TrainingError(f"{source}: the tokenizer has no chat template; the chat examples need one (ChatML)")
    return tokenizer


def load_model(config: TrainConfig, plan: Plan, stage: str, base: BaseModel) -> tuple[Any, Any]:
    """(model with a trainable LoRA adapter, tokenizer) for `stage`, on the resolved base."""
    source = base.source
    adapter = config.stage(stage).adapter if stage == "dpo" else ""
    if adapter and not (Path(adapter) / "adapter_config.json").is_file():
        raise TrainingError(f"dpo.adapter {adapter}: no adapter there (train sft first, or leave adapter empty)")
    if plan.engine == "unsloth":
        from spcopilot.training import unsloth_engine

        return unsloth_engine.load(config, plan, source, adapter)
    return _load_transformers(config, plan, source, adapter)


def _load_transformers(config: TrainConfig, plan: Plan, source: str, adapter: str) -> tuple[Any, Any]:
    torch = torch_module()
    from peft import LoraConfig, PeftModel, get_peft_model, prepare_model_for_kbit_training
    from transformers import AutoModelForCausalLM

    tokenizer = load_tokenizer(source)
    dtype = torch.bfloat16 if plan.bf16 else torch.float32
    kwargs: dict[str, Any] = {"dtype": dtype}
    if config.load_in_4bit:
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=dtype,
            bnb_4bit_quant_storage=dtype,  # lets FSDP shard the quantised weights
        )
    if plan.device == "cuda":
        kwargs["device_map"] = {"": plan.local_rank}
    try:
        model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
    except (OSError, ValueError) as exc:
        raise TrainingError(f"cannot load the base model {source}: {exc}") from None
    if config.load_in_4bit:
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=config.gradient_checkpointing)
    if adapter:
        return PeftModel.from_pretrained(model, adapter, is_trainable=True), tokenizer
    lora = LoraConfig(
        r=config.lora.r,
        lora_alpha=config.lora.alpha,
        lora_dropout=config.lora.dropout,
        target_modules=config.lora.target_modules,
        task_type="CAUSAL_LM",
    )
    try:
        return get_peft_model(model, lora), tokenizer
    except ValueError as exc:
        raise TrainingError(f"lora.target_modules {config.lora.target_modules}: {exc}") from None
