"""Step 1: check that an adapter belongs to a base model, merge it (peft `merge_and_unload`) and
save the merged model as safetensors with the tokenizer files.

The check reads only safetensors headers and JSON, so a wrong pairing fails in a second with a
message naming the module and the shapes, before gigabytes are loaded.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from spcopilot.export.errors import ExportError

log = logging.getLogger(__name__)

# Tokenizer and chat-template files copied verbatim (the converter reads them as they are).
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "tokenizer.model",
    "vocab.json",
    "merges.txt",
    "chat_template.jinja",
    "chat_template.json",
)
_ADAPTER_KEY = re.compile(r"^base_model\.model\.(?P<module>.+)\.(?P<part>lora_A|lora_B)(?:\.[^.]+)?\.weight$")
DTYPE_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}


@dataclass
class BaseModelInfo:
    folder: Path
    config: dict[str, object]
    shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)  # empty when not safetensors
    parameters: int = 0
    weight_bytes: int = 0

    @property
    def architecture(self) -> str:
        architectures = self.config.get("architectures")
        return str(architectures[0]) if isinstance(architectures, list) and architectures else "?"


def read_base(folder: Path) -> BaseModelInfo:
    if not folder.is_dir():
        raise ExportError(f"--base {folder}: no such directory (a Hugging Face model folder with config.json)")
    config_file = folder / "config.json"
    if not config_file.is_file():
        raise ExportError(f"--base {folder}: no config.json; expected a Hugging Face model folder (save_pretrained)")
    config = _read_json(config_file)
    info = BaseModelInfo(folder, config)
    weights = sorted(folder.glob("*.safetensors"))
    if weights:
        from safetensors import safe_open

        for path in weights:
            with safe_open(str(path), "np") as handle:
                for name in handle.keys():  # noqa: SIM118 (safe_open has keys(), not iteration)
                    shape = tuple(handle.get_slice(name).get_shape())
                    info.shapes[name] = shape
                    count = 1
                    for dim in shape:
                        count *= dim
                    info.parameters += count
                    info.weight_bytes += count * DTYPE_BYTES.get(handle.get_slice(name).get_dtype(), 4)
    elif any(folder.glob("pytorch_model*.bin")):
        info.weight_bytes = sum(p.stat().st_size for p in folder.glob("pytorch_model*.bin"))
        info.parameters = info.weight_bytes // 2
    else:
        raise ExportError(f"--base {folder}: no model weights (*.safetensors or pytorch_model*.bin)")
    return info


def check_adapter(adapter: Path, base: BaseModelInfo) -> dict[str, object]:
    """The adapter's config, after checking each LoRA matrix against the base weight it changes."""
    if not adapter.is_dir():
        raise ExportError(f"--adapter {adapter}: no such directory (a peft adapter folder with adapter_config.json)")
    config_file = adapter / "adapter_config.json"
    if not config_file.is_file():
        raise ExportError(f"--adapter {adapter}: no adapter_config.json; expected a peft adapter folder")
    config = _read_json(config_file)
    if str(config.get("peft_type", "LORA")).upper() != "LORA":
        raise ExportError(f"--adapter {adapter}: a {config.get('peft_type')} adapter; export merges LoRA adapters")
    weights = adapter / "adapter_model.safetensors"
    if not weights.is_file():
        if (adapter / "adapter_model.bin").is_file():
            log.warning("%s: adapter_model.bin is not checked before loading (only safetensors headers are)", adapter)
            return config
        raise ExportError(f"--adapter {adapter}: no adapter_model.safetensors")
    if not base.shapes:
        return config
    from safetensors import safe_open

    claimed = config.get("base_model_name_or_path") or "?"
    with safe_open(str(weights), "np") as handle:
        for name in handle.keys():  # noqa: SIM118
            match = _ADAPTER_KEY.match(name)
            if not match:
                continue
            module, part = match.group("module"), match.group("part")
            shape = tuple(handle.get_slice(name).get_shape())
            target = base.shapes.get(f"{module}.weight")
            if target is None:
                raise ExportError(
                    f"--adapter {adapter} was trained for another base model: it changes `{module}`, which "
                    f"{base.folder} ({base.architecture}) does not have. The adapter names its base as {claimed}."
                )
            expected = target[1] if part == "lora_A" else target[0]
            got = shape[1] if part == "lora_A" else shape[0]
            if len(shape) != 2 or len(target) != 2 or got != expected:
                side = "input" if part == "lora_A" else "output"
                raise ExportError(
                    f"--adapter {adapter} was trained for another base model: `{module}` has {side} size {got} in the "
                    f"adapter but {expected} in {base.folder} ({base.architecture}). The adapter names its base as {claimed}."
                )
    return config


def tokenizer_source(base: Path, adapter: Path | None) -> Path:
    """The adapter's tokenizer when it saved one (training may add tokens or a template), else the base's."""
    if adapter is not None and any((adapter / name).is_file() for name in ("tokenizer.json", "tokenizer.model")):
        return adapter
    return base


def copy_tokenizer(source: Path, target: Path) -> list[str]:
    copied = []
    for name in TOKENIZER_FILES:
        if (source / name).is_file():
            shutil.copy2(source / name, target / name)
            copied.append(name)
    if not any(name in copied for name in ("tokenizer.json", "tokenizer.model", "vocab.json")):
        raise ExportError(f"{source}: no tokenizer files (tokenizer.json, tokenizer.model or vocab.json)")
    return copied


def merge_adapter(base: Path, adapter: Path, target: Path) -> None:
    """Merge `adapter` into `base` in the base's own dtype and save the result in `target`."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(base, dtype="auto", low_cpu_mem_usage=True)
    try:
        peft_model = PeftModel.from_pretrained(model, adapter)
    except (RuntimeError, ValueError, KeyError) as exc:
        raise ExportError(f"peft could not apply --adapter {adapter} to --base {base}: {exc}") from exc
    with torch.no_grad():
        merged = peft_model.merge_and_unload()
    merged.save_pretrained(target, safe_serialization=True)
    generation = base / "generation_config.json"
    if generation.is_file() and not (target / "generation_config.json").is_file():
        shutil.copy2(generation, target / "generation_config.json")
    del merged, peft_model, model


def _read_json(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExportError(f"{path}: cannot read it as JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ExportError(f"{path}: expected a JSON object")
    return data
