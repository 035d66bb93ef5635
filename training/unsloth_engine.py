"""The unsloth engine: a thin adapter over its `FastLanguageModel`, imported only when chosen.

unsloth is AGPL-3.0 and pins its own transformers/trl/datasets ranges, so it lives in its own
environment (`pip install unsloth` on a CUDA machine); this module only calls its public API with
the same config keys as the transformers path. The trainers themselves are trl's in both cases.
"""

from __future__ import annotations

from typing import Any

from spcopilot.training.config import TrainConfig
from spcopilot.training.engines import Plan
from spcopilot.training.errors import TrainingError


def load(config: TrainConfig, plan: Plan, source: str, adapter: str) -> tuple[Any, Any]:
    try:
        from unsloth import FastLanguageModel
    except ImportError as exc:
        raise TrainingError(f"engine unsloth: cannot import unsloth ({exc}); use engine: transformers") from None
    model, tokenizer = FastLanguageModel.from_pretrained(
        model_name=adapter or source,  # an adapter folder loads its base model and the adapter
        max_seq_length=config.max_seq_length,
        dtype=None,  # unsloth picks bf16 where the GPU has it
        load_in_4bit=config.load_in_4bit,
        device_map={"": plan.local_rank},
    )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if adapter:
        return model, tokenizer
    model = FastLanguageModel.get_peft_model(
        model,
        r=config.lora.r,
        lora_alpha=config.lora.alpha,
        lora_dropout=config.lora.dropout,
        target_modules=config.lora.target_modules,
        use_gradient_checkpointing="unsloth" if config.gradient_checkpointing else False,
        random_state=config.seed,
    )
    return model, tokenizer


def version() -> str:
    try:
        import unsloth

        return str(getattr(unsloth, "__version__", "unknown"))
    except ImportError:
        return ""
