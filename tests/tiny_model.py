"""The tiny test model: built once, cached on disk by content hash, shared by every test session.

`build_tiny_model()` returns a `TinyModel` whose files are:
- `tokenizer_dir`: a byte-level BPE tokenizer (1024 tokens) trained on our own SourcePawn samples
  (tests/fixtures/tiny_corpus/*.sp), Qwen2-style (Qwen2 split regex, ByteLevel, NFC), with the
  Qwen2.5-Coder special tokens and a ChatML chat template in tokenizer_config.json;
- `hf_dir`: a tiny LlamaForCausalLM (hidden 256, 2 layers, k-quant friendly dims), trained a few
  seconds on that corpus as plain files, FIM samples and ChatML conversations, so its logits are
  not flat and it writes SourcePawn-looking text; safetensors, float32, tokenizer alongside;
- `adapter_dir`: a LoRA adapter (peft) trained a few steps on top of it;
- `gguf_f16` / `gguf_q8`: that model through `spcopilot.export` (llama.cpp's converter with the
  `qwen2` pre-tokenizer, FIM ids in the metadata; then llama.cpp's quantizer).

The cache key hashes this file, the corpus, the export modules the build goes through and the
library versions. A file lock keeps two processes from building at once; a build goes into a
temporary folder renamed at the end, so a folder with `build.json` is always complete.
Run `python -m tests.tiny_model` to build (or find) it and print its paths.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from spcopilot.diagnostics.include_cache import default_cache_root

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPUS_DIR = HERE / "fixtures" / "tiny_corpus"
# The export modules the build runs through: a change to them rebuilds the GGUFs.
EXPORT_SOURCES = ("converter.py", "convert_wrapper.py", "special_tokens.py", "quantize.py")
VERSIONED = ("torch", "transformers", "tokenizers", "peft", "safetensors", "llama-cpp-python")

QWEN2_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
SPECIAL_TOKENS = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|fim_prefix|>",
    "<|fim_middle|>",
    "<|fim_suffix|>",
    "<|fim_pad|>",
    "<|repo_name|>",
    "<|file_sep|>",
)
VOCAB_SIZE = 1024  # BPE tokens + the special tokens above
CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)
SYSTEM = "You are SourcePawn Copilot, an expert in SourceMod plugins for Left 4 Dead 2."
MODEL_DIMS = {
    "hidden_size": 256,
    "intermediate_size": 512,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 8192,  # >= the server's default context (4096): no overflow warning
}
SEED = 1234
TRAIN_STEPS, TRAIN_BATCH, TRAIN_SEQ, TRAIN_LR = 160, 8, 128, 3e-3
ADAPTER_STEPS, ADAPTER_LR = 12, 5e-3


@dataclass(frozen=True)
class TinyModel:
    root: Path
    hf_dir: Path
    tokenizer_dir: Path
    adapter_dir: Path
    gguf_f16: Path
    gguf_q8: Path
    info: dict[str, Any] = field(default_factory=dict, compare=False)  # build.json: ids, losses, timings

    @property
    def token_ids(self) -> dict[str, int]:
        return dict(self.info["token_ids"])


def corpus_files() -> list[Path]:
    return sorted(CORPUS_DIR.glob("*.sp"))


def content_key() -> str:
    digest = hashlib.sha256()
    inputs = [Path(__file__).resolve(), *corpus_files(), *(REPO / "export" / name for name in EXPORT_SOURCES)]
    for path in inputs:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for name in VERSIONED:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{name}={version}\0".encode())
    digest.update(f"python{sys.version_info[0]}.{sys.version_info[1]}".encode())
    return digest.hexdigest()[:16]


def layout(root: Path, info: dict[str, Any] | None = None) -> TinyModel:
    return TinyModel(
        root=root,
        hf_dir=root / "hf",
        tokenizer_dir=root / "tokenizer",
        adapter_dir=root / "adapter",
        gguf_f16=root / "tiny-f16.gguf",
        gguf_q8=root / "tiny-q8_0.gguf",
        info=info or {},
    )


def build_tiny_model(cache_root: Path | None = None) -> TinyModel:
    """The tiny model of the current inputs: from the cache, else built (once, under a file lock)."""
    from filelock import FileLock

    base = (cache_root or default_cache_root()) / "tiny-model"
    key = content_key()
    root = base / key
    done = root / "build.json"
    if not done.is_file():
        base.mkdir(parents=True, exist_ok=True)
        with FileLock(str(base / f"{key}.lock")):
            if not done.is_file():
                staging = Path(tempfile.mkdtemp(prefix=f".{key}.partial-", dir=base))
                try:
                    _build(layout(staging), cache_root)
                    relocate_adapter(layout(staging), root)
                    staging.chmod(0o755)
                    shutil.rmtree(root, ignore_errors=True)
                    staging.rename(root)
                finally:
                    shutil.rmtree(staging, ignore_errors=True)
    return layout(root, json.loads(done.read_text("utf-8")))


def relocate_adapter(built: TinyModel, final_root: Path) -> None:
    """The adapter names its base by path: the path the base has once the build is renamed."""
    config_file = built.adapter_dir / "adapter_config.json"
    config = json.loads(config_file.read_text("utf-8"))
    config["base_model_name_or_path"] = str(final_root / "hf")
    config_file.write_text(json.dumps(config, indent=2) + "\n", "utf-8")


def _build(model: TinyModel, cache_root: Path | None) -> None:
    import torch

    timings: dict[str, float] = {}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # 5-15x faster than the default for a model this small on 2 cores
    try:
        started = time.perf_counter()
        tokenizer = train_tokenizer(model.tokenizer_dir)
        timings["tokenizer_s"] = time.perf_counter() - started

        started = time.perf_counter()
        samples = training_texts(random.Random(SEED))
        losses = train_base(model.hf_dir, model.tokenizer_dir, tokenizer, samples)
        timings["train_s"] = time.perf_counter() - started

        started = time.perf_counter()
        adapter_losses = train_adapter(model.adapter_dir, model.hf_dir, tokenizer, samples)
        timings["adapter_s"] = time.perf_counter() - started
    finally:
        torch.set_num_threads(threads)

    from spcopilot.export.converter import convert, find_converter
    from spcopilot.export.quantize import quantize

    started = time.perf_counter()
    convert(
        model.hf_dir,
        model.gguf_f16,
        find_converter(cache_root=cache_root),
        "f16",
        pretokenizer="qwen2",
        log_file=model.root / "convert.log",
    )
    timings["convert_s"] = time.perf_counter() - started
    started = time.perf_counter()
    quantize(model.gguf_f16, model.gguf_q8, "q8_0")
    timings["quantize_s"] = time.perf_counter() - started

    token_ids = {text: tokenizer.token_to_id(text) for text in SPECIAL_TOKENS}
    started = time.perf_counter()
    sample = verify_gguf(model.gguf_f16, token_ids)
    timings["verify_s"] = time.perf_counter() - started
    info = {
        "token_ids": token_ids,
        "vocab_size": VOCAB_SIZE,
        "dims": MODEL_DIMS,
        "loss_first": losses[0],
        "loss_last": losses[-1],
        "adapter_loss_first": adapter_losses[0],
        "adapter_loss_last": adapter_losses[-1],
        "sample_completion": sample,
        "timings": {k: round(v, 2) for k, v in timings.items()},
        "versions": {name: _version(name) for name in VERSIONED},
    }
    (model.root / "build.json").write_text(json.dumps(info, indent=2) + "\n", "utf-8")


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


# -- tokenizer ---------------------------------------------------------------------------------


def train_tokenizer(folder: Path) -> Any:
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN2_SPLIT), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE - len(SPECIAL_TOKENS),
        min_frequency=2,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator([path.read_text("utf-8") for path in corpus_files()], trainer)
    # appended after the BPE tokens, as in Qwen2.5 (ids VOCAB_SIZE-9 ...)
    tokenizer.add_special_tokens([AddedToken(text, special=True, normalized=False) for text in SPECIAL_TOKENS])
    if tokenizer.get_vocab_size() != VOCAB_SIZE:
        raise RuntimeError(f"tiny tokenizer has {tokenizer.get_vocab_size()} tokens, expected {VOCAB_SIZE}")
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(folder / "tokenizer.json"))
    config = {
        "tokenizer_class": "Qwen2Tokenizer",
        "add_bos_token": False,
        "add_prefix_space": False,
        "bos_token": None,
        "eos_token": "<|im_end|>",
        "pad_token": "<|endoftext|>",
        "unk_token": None,
        "additional_special_tokens": list(SPECIAL_TOKENS[1:]),
        "clean_up_tokenization_spaces": False,
        "errors": "replace",
        "model_max_length": MODEL_DIMS["max_position_embeddings"],
        "split_special_tokens": False,
        "chat_template": CHAT_TEMPLATE,
    }
    (folder / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n", "utf-8")
    return tokenizer


# -- training data -----------------------------------------------------------------------------


def training_texts(rng: random.Random) -> list[str]:
    """Each corpus file as a plain file, as FIM samples and as the answer of a ChatML request."""
    texts: list[str] = []
    for path in corpus_files():
        code = path.read_text("utf-8")
        texts.append(code + "<|endoftext|>")
        lines = code.splitlines(keepends=True)
        for _ in range(4):
            start = rng.randrange(1, len(lines) - 2)
            end = min(len(lines), start + rng.randint(1, 4))
            prefix, middle, suffix = "".join(lines[:start]), "".join(lines[start:end]), "".join(lines[end:])
            texts.append(f"<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>{middle}<|endoftext|>")
        texts.append(chatml(f"Write a SourceMod plugin for Left 4 Dead 2: {describe(code)}", code))
    return texts


def describe(code: str) -> str:
    for line in code.splitlines():
        if line.strip().startswith("description"):
            return line.split('"')[1]
    return "a plugin"


def chatml(user: str, answer: str) -> str:
    return (
        f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n"
        f"<|im_start|>assistant\n{answer}<|im_end|>\n"
    )


def token_stream(tokenizer: Any, texts: list[str]) -> Any:
    import torch

    ids: list[int] = []
    for text in texts:
        ids += tokenizer.encode(text).ids
    return torch.tensor(ids, dtype=torch.long)


def batches(stream: Any, steps: int, rng: random.Random) -> Any:
    import torch

    for _ in range(steps):
        starts = [rng.randrange(0, len(stream) - TRAIN_SEQ - 1) for _ in range(TRAIN_BATCH)]
        yield torch.stack([stream[s : s + TRAIN_SEQ] for s in starts])


# -- model ---------------------------------------------------------------------------------------


def train_base(folder: Path, tokenizer_dir: Path, tokenizer: Any, texts: list[str]) -> list[float]:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(SEED)
    config = LlamaConfig(
        vocab_size=VOCAB_SIZE,
        rms_norm_eps=1e-6,
        rope_theta=10000.0,
        tie_word_embeddings=False,
        bos_token_id=tokenizer.token_to_id("<|endoftext|>"),
        eos_token_id=tokenizer.token_to_id("<|im_end|>"),
        pad_token_id=tokenizer.token_to_id("<|endoftext|>"),
        **MODEL_DIMS,
    )
    model = LlamaForCausalLM(config)
    losses = optimise(model, token_stream(tokenizer, texts), TRAIN_STEPS, TRAIN_LR)
    model.eval()
    model.save_pretrained(folder)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy2(tokenizer_dir / name, folder / name)
    return losses


def optimise(model: Any, stream: Any, steps: int, lr: float) -> list[float]:
    import torch

    rng = random.Random(SEED)
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=lr, total_steps=steps, pct_start=0.1)
    model.train()
    losses: list[float] = []
    for batch in batches(stream, steps, rng):
        loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        schedule.step()
        optimiser.zero_grad()
        losses.append(round(loss.item(), 4))
    return losses


def train_adapter(folder: Path, base_dir: Path, tokenizer: Any, texts: list[str]) -> list[float]:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaForCausalLM

    torch.manual_seed(SEED + 1)
    model = LlamaForCausalLM.from_pretrained(base_dir)
    lora = LoraConfig(
        r=8,
        lora_alpha=16,
        lora_dropout=0.0,
        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        task_type="CAUSAL_LM",
    )
    peft_model = get_peft_model(model, lora)
    chats = [t for t in texts if t.startswith("<|im_start|>")]
    losses = optimise(peft_model, token_stream(tokenizer, chats), ADAPTER_STEPS, ADAPTER_LR)
    peft_model.save_pretrained(folder)
    return losses


# -- verification --------------------------------------------------------------------------------


def verify_gguf(path: Path, token_ids: dict[str, int]) -> str:
    """Load the GGUF with llama.cpp: chat template, FIM ids and their texts, 16 generated tokens."""
    from llama_cpp import Llama

    llm = Llama(model_path=str(path), n_ctx=512, n_threads=1, verbose=False, seed=SEED)
    try:
        meta = llm.metadata
        if meta.get("tokenizer.chat_template") != CHAT_TEMPLATE:
            raise RuntimeError(f"{path.name}: the chat template did not reach the GGUF")
        for key, text in (("fim_pre", "<|fim_prefix|>"), ("fim_suf", "<|fim_suffix|>"), ("fim_mid", "<|fim_middle|>")):
            value = meta.get(f"tokenizer.ggml.{key}_token_id")
            if value is None or int(value) != token_ids[text]:
                raise RuntimeError(f"{path.name}: tokenizer.ggml.{key}_token_id is {value}, expected {token_ids[text]}")
            piece = llm.detokenize([int(value)], special=True).decode()
            if piece != text:
                raise RuntimeError(f"{path.name}: token {value} is {piece!r}, expected {text!r}")
        out = llm.create_completion("public void OnPluginStart()\n{\n", max_tokens=16, temperature=0.0)
        if out["usage"]["completion_tokens"] < 1:
            raise RuntimeError(f"{path.name}: generated nothing")
        return str(out["choices"][0]["text"])
    finally:
        llm.close()


def main() -> None:
    started = time.perf_counter()
    model = build_tiny_model()
    print(json.dumps({k: str(v) for k, v in vars(model).items() if k != "info"}, indent=2))
    print(json.dumps(model.info, indent=2))
    print(f"ready in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
