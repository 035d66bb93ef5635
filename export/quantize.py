"""Quantize a GGUF with llama.cpp's own quantizer (`llama_model_quantize`, through llama-cpp-python)."""

from __future__ import annotations

import logging
from pathlib import Path

from spcopilot.export.errors import ExportError

# Name -> llama_ftype constant name in llama_cpp; the sizes are bytes per weight, for the disk check.
QUANT_TYPES: dict[str, tuple[str, float]] = {
    "q8_0": ("LLAMA_FTYPE_MOSTLY_Q8_0", 1.07),
    "q6_k": ("LLAMA_FTYPE_MOSTLY_Q6_K", 0.83),
    "q5_k_m": ("LLAMA_FTYPE_MOSTLY_Q5_K_M", 0.72),
    "q5_k_s": ("LLAMA_FTYPE_MOSTLY_Q5_K_S", 0.69),
    "q5_0": ("LLAMA_FTYPE_MOSTLY_Q5_0", 0.69),
    "q4_k_m": ("LLAMA_FTYPE_MOSTLY_Q4_K_M", 0.62),
    "q4_k_s": ("LLAMA_FTYPE_MOSTLY_Q4_K_S", 0.58),
    "q4_0": ("LLAMA_FTYPE_MOSTLY_Q4_0", 0.57),
}


def parse_quant_list(text: str) -> list[str]:
    """`q4_k_m,q8_0` -> ["q4_k_m", "q8_0"]; an empty text means no quantized files."""
    names: list[str] = []
    for raw in text.split(","):
        name = raw.strip().lower()
        if not name:
            continue
        if name not in QUANT_TYPES:
            raise ExportError(f"--quant {raw.strip()!r}: unknown quantization; one of {', '.join(QUANT_TYPES)}")
        if name not in names:
            names.append(name)
    return names


def quantize(source: Path, target: Path, quant: str, threads: int = 0) -> None:
    """Write `target`, the `quant` quantization of the f16/bf16/f32 GGUF `source`."""
    try:
        import llama_cpp
    except ImportError:
        raise ExportError("quantizing needs llama-cpp-python: `pip install 'sourcepawn-copilot[local]'`") from None
    try:
        constant, _ = QUANT_TYPES[quant]
    except KeyError:
        raise ExportError(f"unknown quantization {quant!r}; one of {', '.join(QUANT_TYPES)}") from None
    # llama.cpp logs a line per tensor through llama-cpp-python's logger: keep errors only
    logging.getLogger("llama-cpp-python").setLevel(logging.ERROR)
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, constant)
    params.nthread = threads
    status = llama_cpp.llama_model_quantize(str(source).encode(), str(target).encode(), params)
    if status != 0 or not target.is_file():
        target.unlink(missing_ok=True)
        raise ExportError(f"llama.cpp could not quantize {source.name} to {quant} (status {status})")


def bytes_per_weight(quant: str) -> float:
    return QUANT_TYPES[quant][1]
