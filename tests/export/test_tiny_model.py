"""The shared tiny model (tests/tiny_model.py) is what the other model tests assume it is."""

from __future__ import annotations

import json

import pytest

from tests.tiny_model import CHAT_TEMPLATE, MODEL_DIMS, SPECIAL_TOKENS, VOCAB_SIZE, build_tiny_model

llama_cpp = pytest.importorskip("llama_cpp")


def test_tokenizer_has_the_qwen_special_tokens_after_the_bpe_tokens(tiny_model):
    ids = tiny_model.token_ids
    assert list(ids) == list(SPECIAL_TOKENS)
    assert sorted(ids.values()) == list(range(VOCAB_SIZE - len(SPECIAL_TOKENS), VOCAB_SIZE))
    config = json.loads((tiny_model.hf_dir / "tokenizer_config.json").read_text())
    assert config["chat_template"] == CHAT_TEMPLATE
    assert config["eos_token"] == "<|im_end|>"


def test_hf_model_has_k_quant_friendly_dims_and_bos_eos(tiny_model):
    config = json.loads((tiny_model.hf_dir / "config.json").read_text())
    assert config["architectures"] == ["LlamaForCausalLM"]
    assert config["vocab_size"] == VOCAB_SIZE
    assert config["hidden_size"] % 256 == 0 and config["intermediate_size"] % 256 == 0
    assert config["bos_token_id"] == tiny_model.token_ids["<|endoftext|>"]
    assert config["eos_token_id"] == tiny_model.token_ids["<|im_end|>"]
    assert {k: config[k] for k in MODEL_DIMS} == MODEL_DIMS


def test_training_made_the_logits_informative(tiny_model):
    # an untrained 1024-token model starts near ln(1024) = 6.93
    assert tiny_model.info["loss_first"] > 6.0
    assert tiny_model.info["loss_last"] < 1.0


def test_adapter_names_its_base_where_it_is(tiny_model):
    config = json.loads((tiny_model.adapter_dir / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == str(tiny_model.hf_dir)
    assert (tiny_model.adapter_dir / "adapter_model.safetensors").is_file()


@pytest.mark.parametrize("which", ["gguf_f16", "gguf_q8"])
def test_gguf_carries_chat_template_and_fim_ids_and_generates(tiny_model, which):
    llm = llama_cpp.Llama(model_path=str(getattr(tiny_model, which)), n_ctx=256, verbose=False, seed=0)
    try:
        assert llm.metadata["tokenizer.chat_template"] == CHAT_TEMPLATE
        for key, text in (("fim_pre", "<|fim_prefix|>"), ("fim_suf", "<|fim_suffix|>"), ("fim_mid", "<|fim_middle|>")):
            token_id = int(llm.metadata[f"tokenizer.ggml.{key}_token_id"])
            assert token_id == tiny_model.token_ids[text]
            assert llm.detokenize([token_id], special=True).decode() == text
        assert int(llm.metadata["tokenizer.ggml.eot_token_id"]) == tiny_model.token_ids["<|im_end|>"]
        assert llm.metadata["tokenizer.ggml.pre"] == "qwen2"
        out = llm.create_completion("public void OnPluginStart()\n{\n", max_tokens=16, temperature=0.0)
        assert out["usage"]["completion_tokens"] == 16
        assert out["choices"][0]["text"].strip()
    finally:
        llm.close()


def test_second_build_comes_from_the_cache(tiny_model):
    again = build_tiny_model()
    assert again.root == tiny_model.root
    assert again.gguf_f16.stat().st_mtime_ns == tiny_model.gguf_f16.stat().st_mtime_ns
