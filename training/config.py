"""One YAML config for `spcopilot train sft` and `spcopilot train dpo` (see configs/*.yaml).

Top-level keys apply to both stages; the `sft:` and `dpo:` sections hold each stage's schedule
(batch, accumulation, epochs, learning rate, eval/save steps) and stage-only keys. Unknown keys
are errors (a typo must not silently train with a default). Command-line flags override the file.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spcopilot.training.errors import TrainingError, missing_extra

ENGINES = ("auto", "unsloth", "transformers")
DEVICES = ("auto", "cuda", "cpu")


@dataclass(slots=True)
class LoraSettings:
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: list[str] = field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    )


@dataclass(slots=True)
class StageSettings:
    per_device_train_batch_size: int = 4
    per_device_eval_batch_size: int = 4
    gradient_accumulation_steps: int = 4
    num_train_epochs: float = 1.0
    max_steps: int = -1  # > 0 overrides the epochs
    learning_rate: float = 2e-4
    lr_scheduler_type: str = "cosine"
    warmup_steps: float = 0.03  # a fraction of the run (< 1) or a number of steps
    weight_decay: float = 0.0
    eval_steps: int = 0  # 0: no evaluation during training (one at the end when eval data exists)
    eval_samples: int = 0  # evaluate on the first N eval examples (0: all of them)
    save_steps: int = 500
    save_total_limit: int = 3
    logging_steps: int = 10
    # SFT only
    include_fim: bool = True  # train on the FIM holes as well as the chat examples
    fim_family: str = "auto"  # auto (from the tokenizer's FIM tokens), none, or a family name
    include_files: bool = False  # also train on the sanitised sources as plain code (train/files.jsonl)
    files_max_windows: int = 0  # the first N max_seq_length windows of each source (0: all of it)
    plugin_repeats: int = 1  # each whole-plugin chat example (request -> the complete plugin) N times in train
    # DPO only
    beta: float = 0.1
    adapter: str = ""  # start from this (SFT) adapter; empty: a fresh LoRA on the base model


@dataclass(slots=True)
class TrainConfig:
    base_model: str = ""
    data: str = ""  # the folder `spcopilot data prepare` wrote (DPO pairs in its dpo/ folder)
    output_dir: str = "runs/spcopilot"
    engine: str = "auto"
    device: str = "auto"
    cpu_threads: int = 0  # torch's CPU threads (0: its default, every core)
    max_seq_length: int = 4096
    max_truncated_share: float = 0.02  # refuse a chat set where more examples than this are longer than max_seq_length
    load_in_4bit: bool = False
    bf16: bool = True
    gradient_checkpointing: bool = True
    dataloader_num_workers: int = 4
    dataset_num_proc: int = 4
    seed: int = 42
    resume: bool = False
    lora: LoraSettings = field(default_factory=LoraSettings)
    sft: StageSettings = field(default_factory=StageSettings)
    dpo: StageSettings = field(default_factory=lambda: StageSettings(learning_rate=5e-6))
    source: str = ""  # the YAML file it came from (not a key)

    def stage(self, name: str) -> StageSettings:
        return self.sft if name == "sft" else self.dpo

    def stage_dir(self, name: str) -> Path:
        return Path(self.output_dir) / name

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


_SECTIONS = {"lora": LoraSettings, "sft": StageSettings, "dpo": StageSettings}


def _coerce(value: Any, kind: Any, where: str) -> Any:
    origin = typing.get_origin(kind)
    if origin is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise TrainingError(f"{where}: expected a list of names, got {value!r}")
        return list(value)
    if kind is bool:
        if not isinstance(value, bool):
            raise TrainingError(f"{where}: expected true or false, got {value!r}")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TrainingError(f"{where}: expected a whole number, got {value!r}")
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TrainingError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if kind is str:
        if isinstance(value, (dict, list)) or value is None:
            raise TrainingError(f"{where}: expected a text value, got {value!r}")
        return str(value)
    return value


def _build(cls: type, values: Any, where: str, base: Any = None) -> Any:
    if not isinstance(values, dict):
        raise TrainingError(f"{where}: expected a mapping of keys, got {type(values).__name__}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.name != "source"]
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise TrainingError(f"{where}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(names)}")
    obj = base if base is not None else cls()
    for key, value in values.items():
        path = f"{where}.{key}" if where else key
        if key in _SECTIONS and cls is TrainConfig:
            value = _build(_SECTIONS[key], value or {}, path, getattr(obj, key))
        else:
            value = _coerce(value, hints[key], path)
        setattr(obj, key, value)
    return obj


def load_config(path: Path, overrides: dict[str, Any] | None = None) -> TrainConfig:
    """Read and check a YAML config; `overrides` (from CLI flags) replace top-level keys."""
    try:
        import yaml
    except ImportError:
        raise missing_extra("pyyaml") from None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TrainingError(f"{path}: cannot read the config ({exc.strerror})") from None
    try:
        values = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise TrainingError(f"{path}: not valid YAML ({exc})") from None
    config = _build(TrainConfig, values, "")
    for key, value in (overrides or {}).items():
        if value is not None:
            setattr(config, key, value)
    config.source = str(path)
    check(config)
    return config


def check(config: TrainConfig) -> None:
    if config.engine not in ENGINES:
        raise TrainingError(f"engine: {config.engine!r} is not one of {', '.join(ENGINES)}")
    if config.device not in DEVICES:
        raise TrainingError(f"device: {config.device!r} is not one of {', '.join(DEVICES)}")
    if not config.base_model:
        raise TrainingError("base_model is not set: name a model folder in the config or with --base-model")
    if not config.data:
        raise TrainingError("data is not set: name the folder `spcopilot data prepare` wrote (config or --data)")
    for name in ("sft", "dpo"):
        stage = config.stage(name)
        if stage.per_device_train_batch_size < 1 or stage.gradient_accumulation_steps < 1:
            raise TrainingError(f"{name}: batch size and gradient accumulation must be at least 1")
        if stage.learning_rate <= 0:
            raise TrainingError(f"{name}.learning_rate must be positive")
        if stage.plugin_repeats < 1:
            raise TrainingError(f"{name}.plugin_repeats must be at least 1 (1: each example once)")
    if config.cpu_threads < 0:
        raise TrainingError("cpu_threads must be 0 (every core) or more")
    if config.max_seq_length < 64:
        raise TrainingError("max_seq_length must be at least 64 tokens")
    if not 0 <= config.max_truncated_share <= 1:
        raise TrainingError("max_truncated_share must be between 0 and 1 (a share of the chat examples)")
