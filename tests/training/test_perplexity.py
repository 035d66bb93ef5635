"""Perplexity of code under a model (training/perplexity.py), as bench/finetune_effect.py measures
held-out plugins: windows, what is predicted, and that it tells code the model knows from noise."""

from __future__ import annotations

import math
import random

import pytest
from spcopilot.training.perplexity import perplexity, windows_of

from tests.tiny_model import corpus_files


def test_windows_cut_in_order_and_skip_what_predicts_nothing() -> None:
    assert windows_of(list(range(10)), 4, 5) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert windows_of(list(range(10)), 4, 2) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert windows_of(list(range(9)), 4, 5) == [[0, 1, 2, 3], [4, 5, 6, 7]]  # a 1-token tail predicts nothing


def test_code_the_model_learned_is_far_less_perplexing_than_noise(tiny_model) -> None:
    pytest.importorskip("torch")
    from spcopilot.training.perplexity import load_model

    model, tokenizer = load_model(tiny_model.hf_dir)
    code = [path.read_text() for path in corpus_files()[:3]]
    rng = random.Random(0)
    noise = ["".join(rng.sample(text, len(text))) for text in code]  # the same characters, shuffled
    learned = perplexity(model, tokenizer, code, window=128, max_windows_per_text=1)
    scrambled = perplexity(model, tokenizer, noise, window=128, max_windows_per_text=1)
    assert learned.texts == 3 and learned.windows == 3 and learned.tokens == 3 * 127
    assert learned.perplexity == pytest.approx(math.exp(learned.mean_nll))
    assert learned.perplexity * 3 < scrambled.perplexity
