"""A GGUF file as a base model for training and export.

transformers' GGUF loader (`from_pretrained(folder, gguf_file=name)`, with `GgufConfig(dequantize=
True)`) turns every quantized weight into a dense float32 tensor and rebuilds the tokenizer and its
chat template from the file's metadata. What it gives is an ordinary `LlamaForCausalLM` (or
whichever architecture the file holds), but one transformers refuses to save while it still
carries the loader's quantizer. We drop the quantizer and save the dense model once as a Hugging
Face folder in the cache (`<cache>/gguf-base/<key>/`, keyed by the file's sha256 and the
transformers and gguf versions): `spcopilot train` loads that folder as its base, and
`spcopilot export --base FILE.gguf` merges an adapter into the very same weights.

The folder holds `dequantized.json`: the source file, its sha256, its tensor types (what was
dequantized: e.g. Q4_1 x 211, F32 x 61), the architecture and parameter count, and the versions.
A build goes into a temporary folder renamed at the end (under a file lock), so a folder with
`dequantized.json` is always complete. Nothing is ever downloaded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spcopilot.diagnostics.include_cache import default_cache_root
from spcopilot.export.errors import ExportError
from spcopilot.export.manifest import sha256, versions

FORMAT = 1
RECORD = "dequantized.json"
MAGIC = b"GGUF"
VERSIONED = ("transformers", "gguf", "torch")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DequantizedBase:
    gguf: Path  # the source file
    folder: Path  # the Hugging Face folder (float32 safetensors, tokenizer, chat template)
    info: dict[str, Any] = field(default_factory=dict, compare=False)  # dequantized.json

    def describe(self) -> str:
        types = ", ".join(f"{name} x{count}" for name, count in self.info.get("tensor_types", {}).items())
        return (
            f"{self.gguf.name} is a GGUF file ({types or 'tensor types unknown'}): transformers' GGUF loader "
            f"dequantized it to a float32 {self.info.get('architecture', 'model')} of "
            f"{self.info.get('parameters', 0) / 1e6:.1f} M parameters, kept in {self.folder}"
        )


def is_gguf(path: Path) -> bool:
    """A regular file that starts with the GGUF magic (its name need not end in .gguf)."""
    try:
        with path.open("rb") as handle:
            return handle.read(4) == MAGIC
    except OSError:
        return False


def cache_key(digest: str) -> str:
    parts = [digest, f"format{FORMAT}", *(f"{k}={v}" for k, v in sorted(versions(VERSIONED).items()))]
    return sha256_text("\0".join(parts))[:16]


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def tensor_types(gguf: Path) -> dict[str, int]:
    """How many tensors of each type the file holds, most common first (e.g. {"Q4_1": 211, "F32": 61})."""
    try:
        from gguf import GGUFReader
    except ImportError:
        return {}
    reader = GGUFReader(str(gguf))
    counts = Counter(tensor.tensor_type.name for tensor in reader.tensors)
    return dict(counts.most_common())


def dequantized_base(gguf: Path, cache_root: Path | None = None) -> DequantizedBase:
    """The Hugging Face folder of `gguf` dequantized by transformers: from the cache, else built now."""
    gguf = gguf.expanduser().resolve()
    if not gguf.is_file():
        raise ExportError(f"{gguf}: no such file")
    if not is_gguf(gguf):
        raise ExportError(f"{gguf}: not a GGUF file (it does not start with the GGUF magic)")
    base = (cache_root or default_cache_root()) / "gguf-base"
    digest = sha256(gguf)
    key = cache_key(digest)
    target = base / key
    record = target / RECORD
    if not record.is_file():
        base.mkdir(parents=True, exist_ok=True)
        from filelock import FileLock

        with FileLock(str(base / f"{key}.lock")):
            if not record.is_file():
                _build(gguf, digest, base, target)
    info = json.loads(record.read_text("utf-8"))
    # the cache is keyed by content: the record names the file it was first built from, the caller this one
    info["first_built_from"], info["source"] = info["source"], str(gguf)
    return DequantizedBase(gguf, target, info)


def _build(gguf: Path, digest: str, base: Path, target: Path) -> None:
    log.warning("dequantizing %s with transformers' GGUF loader (once; cached in %s)", gguf.name, target)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=base))
    try:
        model, tokenizer = load_gguf(gguf)
        parameters = sum(p.numel() for p in model.parameters())
        architecture = type(model).__name__
        model.save_pretrained(staging, safe_serialization=True)
        tokenizer.save_pretrained(staging)
        del model
        info = {
            "format": FORMAT,
            "source": str(gguf),
            "source_sha256": digest,
            "source_bytes": gguf.stat().st_size,
            "tensor_types": tensor_types(gguf),
            "dequantized_to": "float32",
            "architecture": architecture,
            "parameters": parameters,
            "versions": versions(VERSIONED),
        }
        (staging / RECORD).write_text(json.dumps(info, indent=2) + "\n", "utf-8")
        staging.chmod(0o755)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    except OSError as exc:
        raise ExportError(
            f"cannot write the dequantized copy of {gguf.name} to {base}: {exc.strerror or exc}"
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def load_gguf(gguf: Path) -> tuple[Any, Any]:
    """(dense float32 model without the GGUF quantizer, tokenizer) read from `gguf` by transformers."""
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig
    except ImportError as exc:
        raise ExportError(
            f"reading a GGUF base needs torch and transformers ({exc.name} is missing): "
            "pip install -c constraints.txt 'sourcepawn-copilot[train]'"
        ) from None
    try:
        import gguf as _gguf  # noqa: F401  (transformers' GGUF loader needs it; say so before it does)
    except ImportError:
        raise ExportError(
            "reading a GGUF base needs the Python package 'gguf': pip install -c constraints.txt "
            "'sourcepawn-copilot[train]' (or pip install gguf)"
        ) from None
    folder, name = str(gguf.parent), gguf.name
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
        model = AutoModelForCausalLM.from_pretrained(
            folder, gguf_file=name, dtype=torch.float32, quantization_config=GgufConfig(dequantize=True)
        )
    except (OSError, ValueError, KeyError, NotImplementedError) as exc:
        raise ExportError(f"transformers cannot load {gguf.name} as a model: {exc}") from None
    # The dense weights are ordinary tensors now; without the loader's quantizer the model saves and trains
    # like any other (transformers refuses to save a model that still carries it).
    model.hf_quantizer = None  # type: ignore[assignment]  # (nn.Module attributes are typed as modules)
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    return model, tokenizer
