"""`spcopilot export` on the real architecture and tokenizer: SmolLM2-135M-Instruct's Q4_1 GGUF
as the base (dequantized by transformers, once, into the cache), a freshly initialised LoRA adapter
with small random B matrices (so the merge changes every targeted weight), merged, converted to
f16, quantized to q8_0, verified against the merged float32 model, and served by the llamacpp
backend. The fine-tune itself is bench/finetune_effect.py's; what is checked here is that the
conversion computes what the model computes, which does not depend on how trained it is."""

from __future__ import annotations

import json
from importlib.util import find_spec

import pytest

# (find_spec, not importorskip: importing peft costs every collecting process seconds of CPU,
# also in the fast stage, where these tests are deselected)
MISSING = [name for name in ("llama_cpp", "peft", "gguf") if find_spec(name) is None]
pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(MISSING), reason=f"could not import {MISSING}")]

LORA_B_STD = 2e-3  # B = 0 would make the merge a no-op; this moves the weights without breaking the model


@pytest.fixture(scope="module")
def dequantized(real_model):
    from spcopilot.export.gguf_base import dequantized_base

    return dequantized_base(real_model.gguf)


@pytest.fixture(scope="module")
def fresh_adapter(dequantized, tmp_path_factory):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(dequantized.folder, dtype=torch.float32)
    targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    peft_model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=targets, task_type="CAUSAL_LM"))
    with torch.no_grad():
        for name, parameter in peft_model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(0.0, LORA_B_STD)
    folder = tmp_path_factory.mktemp("adapter")
    peft_model.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def exported(real_model, fresh_adapter, tmp_path_factory):
    from spcopilot.export.pipeline import ExportOptions, run_export

    out = tmp_path_factory.mktemp("export") / "smollm2-test"
    options = ExportOptions(
        base=real_model.gguf, adapter=fresh_adapter, out=out, quants=["q8_0"], parity_prompts=8, progress=False
    )
    return run_export(options)


def test_the_gguf_base_is_a_plain_float32_folder_made_once(real_model, dequantized) -> None:
    from spcopilot.export.gguf_base import dequantized_base

    info = dequantized.info
    assert info["source_sha256"] == json.loads((real_model.folder / "source.json").read_text())["member_sha256"]
    assert info["tensor_types"]["Q4_1"] > 200 and info["architecture"] == "LlamaForCausalLM"
    assert 134e6 < info["parameters"] < 135e6
    config = json.loads((dequantized.folder / "config.json").read_text())
    assert "quantization_config" not in config and config["dtype"] == "float32"
    stamp = (dequantized.folder / "model.safetensors").stat().st_mtime_ns
    assert dequantized_base(real_model.gguf).folder == dequantized.folder  # from the cache: not rebuilt
    assert (dequantized.folder / "model.safetensors").stat().st_mtime_ns == stamp


def test_the_dequantized_tokenizer_tokenizes_like_llama_cpp(exported) -> None:
    for check in exported.checks:
        agreeing, probes = check.tokenizer_agreement
        assert agreeing == probes and probes >= 10, check.tokenizer_mismatches
        assert check.pre_tokenizer == "smollm" and check.chat_template


def test_merged_weights_moved_and_parity_holds(exported, dequantized) -> None:
    from safetensors.numpy import load_file

    base = load_file(dequantized.folder / "model.safetensors")
    merged = load_file(exported.out / "merged" / "model.safetensors")
    name = "model.layers.7.mlp.down_proj.weight"
    assert abs(merged[name] - base[name]).max() > 1e-4  # the adapter was merged in
    f16, q8 = exported.parity
    report = json.loads((exported.out / "parity.json").read_text())
    assert report["passed"] and report["gate"]["max_abs_diff_last"] == pytest.approx(exported.gate, abs=1e-6)
    assert f16.max_abs_diff_last <= exported.gate < 0.2  # the relative gate stays far below a broken conversion's
    assert f16.top1_agreement_all >= 0.99 and f16.positions >= 250
    # q8_0: every decisive prediction agrees; near-ties may swap (README: measured over all positions)
    assert q8.top1_agreement_decisive >= 0.99 and q8.decisive_positions >= 100
    assert q8.top1_agreement_last >= 0.875


def test_the_manifest_names_the_gguf_it_came_from(exported, real_model) -> None:
    base = exported.manifest["source"]["base"]
    assert base["dequantized_from"]["source"] == str(real_model.gguf.resolve())
    assert base["architecture"] == "LlamaForCausalLM"


def test_the_export_is_served_by_the_llamacpp_backend(exported) -> None:
    from spcopilot.server.ai.backends.base import GenerationOptions, Message
    from spcopilot.server.ai.backends.llamacpp import LlamaCppBackend

    backend = LlamaCppBackend(exported.ggufs["q8_0"], threads=1, context_size=1024)
    try:
        assert backend.fim_tokens is None  # no FIM tokens: the server serves it prefix-only
        answer = backend.chat(
            [Message("user", "Name one SourceMod function that prints to chat.")],
            GenerationOptions(max_tokens=24, temperature=0.0),
        )
        completion = backend.complete(
            "public void OnPluginStart()\n{\n", GenerationOptions(max_tokens=12, temperature=0.0)
        )
    finally:
        backend.close()
    assert answer.text.strip() and answer.usage.completion_tokens > 0
    assert "<|im_start|>" not in answer.text and "<|im_end|>" not in answer.text  # the GGUF's ChatML template
    assert completion.text.strip()
