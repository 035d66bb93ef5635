"""Perplexity of code under a model (a Hugging Face folder, optionally with a LoRA adapter on top).

Each text is tokenized as training tokenizes plugin sources (`sft_data.tokenize_files`: no special
tokens, the end-of-text token after it) and cut into windows of `window` tokens; every token of a
window but its first is predicted from the ones before it in the same window. The figure is
exp(mean negative log-likelihood over all predicted tokens), computed in float32.
`max_windows_per_text` keeps a long file from dominating (the first windows of each file count).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Perplexity:
    texts: int
    windows: int
    tokens: int  # predicted tokens
    mean_nll: float

    @property
    def perplexity(self) -> float:
        return math.exp(self.mean_nll)

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"perplexity": round(self.perplexity, 4)}


def windows_of(ids: list[int], window: int, limit: int) -> list[list[int]]:
    cut = [ids[at : at + window] for at in range(0, len(ids), window)]
    return [w for w in cut if len(w) >= 2][:limit]


def load_model(model_dir: Path, adapter: Path | None = None) -> tuple[Any, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(
        adapter if adapter and (adapter / "tokenizer.json").is_file() else model_dir
    )
    model: Any = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    if adapter is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter)
    model.eval()
    return model, tokenizer


def perplexity(
    model: Any, tokenizer: Any, texts: Iterable[str], window: int = 512, max_windows_per_text: int = 2
) -> Perplexity:
    import torch

    total_nll, total_tokens, count_windows, count_texts = 0.0, 0, 0, 0
    with torch.no_grad():
        for text in texts:
            ids = list(tokenizer(text, add_special_tokens=False)["input_ids"])
            if tokenizer.eos_token_id is not None:
                ids.append(tokenizer.eos_token_id)
            chunks = windows_of(ids, window, max_windows_per_text)
            count_texts += bool(chunks)
            for chunk in chunks:
                batch = torch.tensor([chunk])
                logits = model(input_ids=batch).logits[0, :-1].float()
                nll = torch.nn.functional.cross_entropy(logits, batch[0, 1:], reduction="sum")
                total_nll += float(nll)
                total_tokens += len(chunk) - 1
                count_windows += 1
    if total_tokens == 0:
        raise ValueError("no text to measure: every text is shorter than two tokens")
    return Perplexity(count_texts, count_windows, total_tokens, total_nll / total_tokens)
