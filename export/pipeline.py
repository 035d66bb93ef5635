"""`spcopilot export`: base + LoRA adapter -> merged safetensors -> GGUF (f16/bf16, llama.cpp's own
converter) -> quantized GGUFs -> Ollama Modelfile + manifest.json -> verified (parity.json).

Everything is written into a temporary folder beside --out and renamed to --out only when every
step, the checks and the f16 parity gate passed: a failed or interrupted export leaves nothing
that looks complete.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from spcopilot.export import DEFAULT_QUANTS, RELATIVE_MAX_LOGIT_DIFF, convert_wrapper
from spcopilot.export import converter as converter_module
from spcopilot.export import manifest as manifest_module
from spcopilot.export.errors import ExportError, ParityError
from spcopilot.export.gguf_check import GgufReport, check_gguf, hf_chat_template, hf_vocabulary
from spcopilot.export.merge import (
    BaseModelInfo,
    check_adapter,
    copy_tokenizer,
    merge_adapter,
    read_base,
    tokenizer_source,
)
from spcopilot.export.modelfile import render_modelfile, system_prompt
from spcopilot.export.parity import ParityFigures, default_gate, logit_scale, measure, parity_prompts, reference_logits
from spcopilot.export.quantize import bytes_per_weight, quantize
from spcopilot.export.special_tokens import FIM_KEYS, find_tokens

log = logging.getLogger(__name__)

DISK_MARGIN_BYTES = 256 << 20
STOP_TEXTS = ("<|im_end|>", "<|im_start|>", "<|endoftext|>", "<|fim_pad|>", "<|file_sep|>", "<|repo_name|>")


@dataclass
class ExportOptions:
    base: Path
    out: Path
    adapter: Path | None = None
    quants: list[str] = field(default_factory=lambda: list(DEFAULT_QUANTS))
    name: str | None = None
    outtype: str = "f16"
    llama_cpp_dir: Path | None = None
    pretokenizer: str | None = None
    parity_prompts: int = 8
    max_logit_diff: float | None = None  # None: relative to the logits' scale (export.RELATIVE_MAX_LOGIT_DIFF)
    system_prompt: str | None = None
    force: bool = False
    progress: bool = True
    cache_root: Path | None = None  # where the converter's sdist is cached (default: the spcopilot cache)


@dataclass
class ExportResult:
    out: Path
    ggufs: dict[str, Path]  # "f16" / "q8_0" / ... -> file in `out`
    parity: list[ParityFigures]
    checks: list[GgufReport]
    manifest: dict[str, Any]
    gate: float | None = None  # the f16 parity gate applied (None: parity skipped)


def model_name(options: ExportOptions) -> str:
    raw = options.name or options.out.name
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip("-.")
    if not name:
        raise ExportError(f"--name {raw!r}: use letters, digits, '.', '_' or '-'")
    return name


def check_out(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ExportError(f"--out {out} is a file; name a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ExportError(f"--out {out} exists and is not empty; pass --force to replace it")


def needed_bytes(base: BaseModelInfo, has_adapter: bool, outtype: str, quants: list[str]) -> int:
    float_bytes = 4 if outtype == "f32" else 2
    total = base.weight_bytes if has_adapter else 0
    total += base.parameters * float_bytes
    total += int(sum(base.parameters * bytes_per_weight(q) for q in quants))
    return int(total * 1.05) + DISK_MARGIN_BYTES


def free_bytes(folder: Path) -> int:
    return shutil.disk_usage(folder).free


def check_disk(folder: Path, needed: int) -> None:
    free = free_bytes(folder)
    if free < needed:
        raise ExportError(
            f"not enough disk space in {folder}: the export needs about {_gb(needed)} "
            f"(merged model, GGUF and quantized files) and {_gb(free)} is free. Free space or choose another --out."
        )


def _gb(count: int) -> str:
    return f"{count / 1e9:.2f} GB" if count >= 1e8 else f"{count / 1e6:.1f} MB"


class Steps:
    """One progress line per step (rich, on stderr); also records how long each step took."""

    def __init__(self, enabled: bool) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            disable=not enabled,
        )
        self.timings: dict[str, float] = {}

    @contextmanager
    def step(self, description: str, total: int = 1) -> Iterator[Any]:
        task = self.progress.add_task(description, total=total)
        started = time.perf_counter()
        yield lambda: self.progress.advance(task)
        self.progress.update(task, completed=total)
        self.timings[description] = round(time.perf_counter() - started, 2)


@contextmanager
def quiet_libraries() -> Iterator[None]:
    """No transformers progress bars or deprecation chatter between our progress lines."""
    from transformers.utils import logging as hf_logging

    bars, verbosity = hf_logging.is_progress_bar_enabled(), hf_logging.get_verbosity()
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


def resolve_base(options: ExportOptions) -> tuple[ExportOptions, dict[str, Any] | None]:
    """A GGUF --base becomes the Hugging Face folder transformers dequantizes it into (the same one
    `spcopilot train` trained the adapter on); a folder stays as it is."""
    if not options.base.is_file():
        return options, None
    from spcopilot.export.gguf_base import dequantized_base

    dequantized = dequantized_base(options.base, options.cache_root)
    log.warning("--base %s", dequantized.describe())
    return replace(options, base=dequantized.folder), dequantized.info


def run_export(options: ExportOptions) -> ExportResult:
    """Run every step; return what was written (in `options.out`), or raise an ExportError."""
    out = options.out.expanduser().absolute()
    name = model_name(options)
    check_out(out, options.force)
    options, gguf_base = resolve_base(options)
    base = read_base(options.base)
    adapter_config = check_adapter(options.adapter, base) if options.adapter is not None else None
    if options.outtype not in converter_module.OUTTYPES:
        raise ExportError(f"--outtype {options.outtype!r}: one of {', '.join(converter_module.OUTTYPES)}")
    converter = converter_module.find_converter(options.llama_cpp_dir, options.cache_root)
    system = system_prompt(options.system_prompt)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        check_disk(out.parent, needed_bytes(base, options.adapter is not None, options.outtype, options.quants))
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    except OSError as exc:
        raise ExportError(f"--out {out}: cannot write there ({exc.strerror or exc})") from None
    try:
        steps = Steps(options.progress)
        with steps.progress, quiet_libraries():
            result = _export(options, out, staging, name, base, adapter_config, converter, system, steps, gguf_base)
        _publish(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return result


def _export(
    options: ExportOptions,
    out: Path,
    staging: Path,
    name: str,
    base: BaseModelInfo,
    adapter_config: dict[str, object] | None,
    converter: converter_module.Converter,
    system: str,
    steps: Steps,
    gguf_base: dict[str, Any] | None = None,
) -> ExportResult:
    from transformers import AutoTokenizer

    if options.adapter is not None:
        hf_dir = staging / "merged"
        with steps.step("merge adapter into base"):
            hf_dir.mkdir()
            merge_adapter(options.base, options.adapter, hf_dir)
            copy_tokenizer(tokenizer_source(options.base, options.adapter), hf_dir)
    else:
        hf_dir = options.base
    ggufs: dict[str, Path] = {}
    log_file = staging / "logs" / "convert.log"
    with steps.step(f"convert to GGUF {options.outtype} (llama.cpp converter)"):
        ggufs[options.outtype] = staging / f"{name}-{options.outtype}.gguf"
        converter_module.convert(
            hf_dir, ggufs[options.outtype], converter, options.outtype, options.pretokenizer, log_file
        )
    for quant in options.quants:
        with steps.step(f"quantize {quant}"):
            ggufs[quant] = staging / f"{name}-{quant}.gguf"
            quantize(ggufs[options.outtype], ggufs[quant], quant)

    hf_tokenizer = AutoTokenizer.from_pretrained(hf_dir)
    fallback_used = convert_wrapper.FALLBACK_MARKER in log_file.read_text("utf-8", "replace")
    checks = []
    with steps.step("check GGUF metadata, tokenizer, generation", total=len(ggufs)) as advance:
        for path in ggufs.values():
            checks.append(check_gguf(path, hf_dir, hf_tokenizer, strict_tokenizer=fallback_used))
            advance()
    parity: list[ParityFigures] = []
    limit: float | None = None
    if options.parity_prompts > 0:
        vocabulary = hf_vocabulary(hf_dir)
        prompts = parity_prompts(hf_tokenizer, vocabulary, options.parity_prompts)
        with steps.step(f"parity: merged model logits ({len(prompts)} prompts)"):
            reference = reference_logits(hf_dir, hf_tokenizer, prompts)
        with steps.step("parity: GGUF logits", total=len(ggufs) * len(prompts)) as advance:
            parity = [measure(path, reference, advance) for path in ggufs.values()]
        limit = options.max_logit_diff if options.max_logit_diff is not None else default_gate(reference)
        report = parity_report(parity, limit, options.max_logit_diff is None, logit_scale(reference))
        (staging / "parity.json").write_text(json.dumps(report, indent=2) + "\n", "utf-8")
        gate = parity[0]
        if gate.max_abs_diff_last > limit:
            raise ParityError(
                f"{gate.file} does not compute what the merged model computes: max abs logit difference "
                f"{gate.max_abs_diff_last:.4g} > {limit:.4g} (top-1 agreement "
                f"{gate.top1_agreement_last:.0%}) over {gate.prompts} prompts. Nothing was written to {out}."
            )
    else:
        log.warning("parity check skipped (--parity-prompts 0)")

    with steps.step("write Modelfile and manifest"):
        vocabulary = hf_vocabulary(hf_dir)
        tokens = find_tokens(vocabulary)
        fim: tuple[str, str, str] | None = None
        if all(key in tokens for key in FIM_KEYS):
            fim = (tokens["fim_pre"][0], tokens["fim_suf"][0], tokens["fim_mid"][0])
        default = ggufs[options.quants[0]] if options.quants else ggufs[options.outtype]
        modelfile = render_modelfile(
            default.name,
            hf_chat_template(hf_dir),
            fim,
            [text for text in STOP_TEXTS if text in vocabulary],
            system,
            header=f"Ollama: ollama create {name} -f Modelfile\nOther files here: "
            + ", ".join(p.name for p in ggufs.values() if p != default),
        )
        (staging / "Modelfile").write_text(modelfile, "utf-8")
        manifest = build_manifest(options, name, base, adapter_config, converter, staging, checks, parity, steps)
        if gguf_base is not None:
            manifest["source"]["base"]["dequantized_from"] = gguf_base
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    return ExportResult(out, {k: out / p.name for k, p in ggufs.items()}, parity, checks, manifest, limit)


def parity_report(parity: list[ParityFigures], limit: float, relative: bool, scale: float) -> dict[str, Any]:
    how = (
        f"{RELATIVE_MAX_LOGIT_DIFF:g} x the largest |logit| at the last positions ({scale:.4g}), at least 0.01"
        if relative
        else "--max-logit-diff"
    )
    return {
        "reference": "merged Hugging Face model, float32",
        "gate": {"file": parity[0].file, "max_abs_diff_last": round(limit, 6), "from": how},
        "passed": parity[0].max_abs_diff_last <= limit,
        "files": [figures.to_json() for figures in parity],
    }


def build_manifest(
    options: ExportOptions,
    name: str,
    base: BaseModelInfo,
    adapter_config: dict[str, object] | None,
    converter: converter_module.Converter,
    staging: Path,
    checks: list[GgufReport],
    parity: list[ParityFigures],
    steps: Steps,
) -> dict[str, Any]:
    source: dict[str, Any] = {"base": manifest_module.source_entry(options.base, "config.json")}
    source["base"]["architecture"] = base.architecture
    source["base"]["parameters"] = base.parameters
    if options.adapter is not None and adapter_config is not None:
        source["adapter"] = manifest_module.source_entry(options.adapter, "adapter_model.safetensors")
        source["adapter"]["config"] = {
            k: adapter_config.get(k) for k in ("base_model_name_or_path", "r", "lora_alpha", "target_modules")
        }
    return {
        "name": name,
        "created": manifest_module.now(),
        "source": source,
        "gguf": {
            "outtype": options.outtype,
            "quants": options.quants,
            "converter": converter.origin,
            "pretokenizer_fallback": options.pretokenizer,
            "checks": [check.to_json() for check in checks],
        },
        "parity": {f.file: {"max_abs_diff_last": f.max_abs_diff_last, "top1_all": f.top1_agreement_all} for f in parity}
        or "skipped",
        "files": manifest_module.file_entries(staging),
        "versions": manifest_module.versions(),
        "timings_s": steps.timings,
    }


def _publish(staging: Path, out: Path) -> None:
    """Put the finished export at `out` (replacing what --force allowed) with renames only."""
    old: Path | None = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        out.rename(old / out.name)
    staging.chmod(0o755)  # mkdtemp made it private
    staging.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
