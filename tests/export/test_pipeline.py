"""`spcopilot export` end to end on the tiny model and its adapter: merge, GGUF, quantize,
Modelfile + manifest, verification; then the output is loaded and run by llama.cpp."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from spcopilot.export.modelfile import system_prompt
from spcopilot.export.pipeline import ExportOptions, run_export

llama_cpp = pytest.importorskip("llama_cpp")
safetensors_numpy = pytest.importorskip("safetensors.numpy")

Q8_0, Q4_K_M = 7, 15  # llama_ftype values in general.file_type


@pytest.fixture(scope="module")
def exported(tiny_model, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "sp-tiny"
    options = ExportOptions(
        base=tiny_model.hf_dir,
        adapter=tiny_model.adapter_dir,
        out=out,
        quants=["q4_k_m", "q8_0"],
        pretokenizer="qwen2",
        parity_prompts=6,
        progress=False,
    )
    return run_export(options)


def test_output_has_every_artefact_and_no_leftovers(exported):
    out = exported.out
    names = {p.name for p in out.iterdir()}
    assert names == {
        "merged",
        "logs",
        "sp-tiny-f16.gguf",
        "sp-tiny-q4_k_m.gguf",
        "sp-tiny-q8_0.gguf",
        "Modelfile",
        "manifest.json",
        "parity.json",
    }
    assert (out / "merged" / "model.safetensors").is_file()
    assert (out / "merged" / "tokenizer_config.json").is_file()
    assert [p.name for p in out.parent.iterdir()] == ["sp-tiny"]  # the staging folder was renamed, not copied


def test_merged_weights_are_base_plus_scaled_lora_product(exported, tiny_model):
    base = safetensors_numpy.load_file(tiny_model.hf_dir / "model.safetensors")
    merged = safetensors_numpy.load_file(exported.out / "merged" / "model.safetensors")
    lora = safetensors_numpy.load_file(tiny_model.adapter_dir / "adapter_model.safetensors")
    config = json.loads((tiny_model.adapter_dir / "adapter_config.json").read_text())
    scale = config["lora_alpha"] / config["r"]
    module = "model.layers.1.self_attn.q_proj"
    a = lora[f"base_model.model.{module}.lora_A.weight"]
    b = lora[f"base_model.model.{module}.lora_B.weight"]
    expected = base[f"{module}.weight"] + scale * (b @ a)
    assert abs(merged[f"{module}.weight"] - base[f"{module}.weight"]).max() > 1e-4  # the adapter changed it
    assert abs(merged[f"{module}.weight"] - expected).max() < 1e-5
    # modules the adapter does not touch are the base's
    assert (merged["model.norm.weight"] == base["model.norm.weight"]).all()


def test_quantized_files_have_the_asked_types_and_run(exported):
    for kind, file_type in (("q8_0", Q8_0), ("q4_k_m", Q4_K_M)):
        llm = llama_cpp.Llama(model_path=str(exported.ggufs[kind]), n_ctx=256, verbose=False, seed=0)
        try:
            assert int(llm.metadata["general.file_type"]) == file_type
            out = llm.create_completion("public void OnPluginStart()\n{\n", max_tokens=16, temperature=0.0)
            assert out["usage"]["completion_tokens"] > 0
        finally:
            llm.close()


def test_every_gguf_passed_the_metadata_and_tokenizer_checks(exported, tiny_model):
    ids = tiny_model.token_ids
    assert len(exported.checks) == 3
    for check in exported.checks:
        assert check.pre_tokenizer == "qwen2"
        assert check.special_token_ids["fim_pre"] == ids["<|fim_prefix|>"]
        assert check.special_token_ids["fim_suf"] == ids["<|fim_suffix|>"]
        assert check.special_token_ids["fim_mid"] == ids["<|fim_middle|>"]
        assert check.special_token_ids["eot"] == ids["<|im_end|>"]
        assert check.tokenizer_agreement[0] == check.tokenizer_agreement[1]
        assert check.smoke_completion_tokens > 0


def test_parity_report_gates_f16_and_covers_every_file(exported):
    report = json.loads((exported.out / "parity.json").read_text())
    assert report["passed"] is True
    files = {entry["file"]: entry for entry in report["files"]}
    assert list(files) == ["sp-tiny-f16.gguf", "sp-tiny-q4_k_m.gguf", "sp-tiny-q8_0.gguf"]
    assert files["sp-tiny-f16.gguf"]["max_abs_diff_last"] <= 1e-2
    assert files["sp-tiny-f16.gguf"]["top1_agreement_all"] == 1.0
    assert files["sp-tiny-q8_0.gguf"]["top1_agreement_all"] >= 0.95
    # quantization loses precision: q4_k_m is measurably further off than f16
    assert files["sp-tiny-q4_k_m.gguf"]["max_abs_diff_last"] > files["sp-tiny-f16.gguf"]["max_abs_diff_last"]
    assert all(entry["prompts"] == 6 for entry in files.values())


def test_manifest_hashes_and_sizes_match_the_files(exported, tiny_model):
    manifest = json.loads((exported.out / "manifest.json").read_text())
    listed = {entry["path"]: entry for entry in manifest["files"]}
    on_disk = {p.relative_to(exported.out).as_posix() for p in exported.out.rglob("*") if p.is_file()}
    assert set(listed) == on_disk - {"manifest.json"}
    for path, entry in listed.items():
        data = (exported.out / path).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    adapter = manifest["source"]["adapter"]
    assert adapter["path"] == str(tiny_model.adapter_dir)
    assert adapter["config"]["r"] == 8
    weights = (tiny_model.adapter_dir / "adapter_model.safetensors").read_bytes()
    assert adapter["adapter_model.safetensors"]["sha256"] == hashlib.sha256(weights).hexdigest()
    assert manifest["versions"]["llama-cpp-python"] == llama_cpp.__version__
    assert manifest["gguf"]["converter"] == f"llama-cpp-python {llama_cpp.__version__} sdist"


def test_modelfile_points_at_the_first_quant_and_speaks_chatml(exported):
    text = (exported.out / "Modelfile").read_text()
    assert re.search(r"^FROM \./sp-tiny-q4_k_m\.gguf$", text, re.M)
    template = re.search(r'^TEMPLATE """(.*?)"""$', text, re.M | re.S).group(1)
    assert "<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}<|fim_middle|>" in template
    assert "<|im_start|>assistant\n" in template
    assert f'SYSTEM """{system_prompt()}"""' in text
    assert 'PARAMETER stop "<|im_end|>"' in text
    assert 'PARAMETER stop "<|endoftext|>"' in text
    assert re.search(r"^PARAMETER temperature 0\.\d+$", text, re.M)


def test_base_alone_is_exported_without_a_merge(tiny_model, tmp_path):
    options = ExportOptions(
        base=tiny_model.hf_dir,
        out=tmp_path / "base-only",
        quants=["q8_0"],
        pretokenizer="qwen2",
        parity_prompts=2,
        progress=False,
    )
    result = run_export(options)
    assert sorted(p.name for p in result.out.iterdir()) == [
        "Modelfile",
        "base-only-f16.gguf",
        "base-only-q8_0.gguf",
        "logs",
        "manifest.json",
        "parity.json",
    ]
    manifest = json.loads((result.out / "manifest.json").read_text())
    assert "adapter" not in manifest["source"]
    weights = safetensors_numpy.load_file(tiny_model.hf_dir / "model.safetensors")
    assert manifest["source"]["base"]["parameters"] == sum(array.size for array in weights.values())
    # the base's own f16 GGUF is the one the tiny-model build made through the same converter
    assert (result.out / "base-only-f16.gguf").stat().st_size == tiny_model.gguf_f16.stat().st_size
