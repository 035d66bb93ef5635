"""Bad input fails early with a message that says what to do (exit code 2 from the CLI), and a
failed export leaves nothing behind that looks complete."""

from __future__ import annotations

import json
import subprocess
from importlib import metadata

import pytest
from spcopilot.export import converter as converter_module
from spcopilot.export import pipeline
from spcopilot.export.errors import ExportError, ParityError
from spcopilot.export.merge import check_adapter, read_base
from spcopilot.export.pipeline import ExportOptions, run_export

from spcopilot.cli import main

np = pytest.importorskip("numpy")
safetensors_numpy = pytest.importorskip("safetensors.numpy")


def fake_base(folder, hidden=8, inner=16):
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"], "hidden_size": hidden}))
    tensors = {
        "model.layers.0.self_attn.q_proj.weight": np.zeros((hidden, hidden), np.float32),
        "model.layers.0.mlp.down_proj.weight": np.zeros((hidden, inner), np.float32),
    }
    safetensors_numpy.save_file(tensors, folder / "model.safetensors")
    return folder


def fake_adapter(folder, module="model.layers.0.mlp.down_proj", in_features=16, out_features=8, r=2):
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text(
        json.dumps({"peft_type": "LORA", "r": r, "lora_alpha": 4, "base_model_name_or_path": "org/other-model"})
    )
    tensors = {
        f"base_model.model.{module}.lora_A.weight": np.zeros((r, in_features), np.float32),
        f"base_model.model.{module}.lora_B.weight": np.zeros((out_features, r), np.float32),
    }
    safetensors_numpy.save_file(tensors, folder / "adapter_model.safetensors")
    return folder


def test_missing_base_dir_is_exit_2_with_a_message(tmp_path, capsys):
    code = main(["export", "--base", str(tmp_path / "nope"), "--out", str(tmp_path / "out"), "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--base" in err and "no such directory" in err
    assert not (tmp_path / "out").exists()


def test_base_without_config_json_is_refused(tmp_path):
    (tmp_path / "base").mkdir()
    with pytest.raises(ExportError, match=r"no config\.json"):
        read_base(tmp_path / "base")


def test_matching_adapter_passes_the_shape_check(tmp_path):
    base = read_base(fake_base(tmp_path / "base"))
    assert base.parameters == 8 * 8 + 8 * 16
    config = check_adapter(fake_adapter(tmp_path / "adapter"), base)
    assert config["r"] == 2


def test_adapter_for_another_base_names_the_module_and_sizes(tmp_path):
    base = read_base(fake_base(tmp_path / "base"))
    adapter = fake_adapter(tmp_path / "adapter", in_features=32)
    with pytest.raises(
        ExportError, match=r"another base model: `model\.layers\.0\.mlp\.down_proj` has input size 32"
    ) as e:
        check_adapter(adapter, base)
    assert "org/other-model" in str(e.value)


def test_adapter_for_a_module_the_base_lacks_is_refused(tmp_path):
    base = read_base(fake_base(tmp_path / "base"))
    adapter = fake_adapter(tmp_path / "adapter", module="transformer.h.0.attn.c_attn")
    with pytest.raises(ExportError, match=r"changes `transformer\.h\.0\.attn\.c_attn`, which"):
        check_adapter(adapter, base)


def test_adapter_mismatch_from_the_cli_is_exit_2_before_anything_is_written(tmp_path, capsys):
    fake_base(tmp_path / "base")
    fake_adapter(tmp_path / "adapter", out_features=4)
    argv = ["export", "--base", str(tmp_path / "base"), "--adapter", str(tmp_path / "adapter")]
    code = main([*argv, "--out", str(tmp_path / "out"), "--no-progress"])
    assert code == 2
    assert "output size 4 in the adapter but 8" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adapter", "base"]


def test_not_enough_disk_space_is_refused_before_writing(tmp_path, monkeypatch):
    fake_base(tmp_path / "base")
    fake_adapter(tmp_path / "adapter")
    monkeypatch.setattr(pipeline, "free_bytes", lambda folder: 1000)
    monkeypatch.setattr(converter_module, "find_converter", lambda *a: converter_module.Converter(tmp_path, "test"))
    options = ExportOptions(base=tmp_path / "base", adapter=tmp_path / "adapter", out=tmp_path / "out", progress=False)
    with pytest.raises(
        ExportError, match=r"not enough disk space in .*: the export needs about [\d.]+ [MG]B .* 0\.0 MB is free"
    ):
        run_export(options)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adapter", "base"]


def test_llama_cpp_dir_without_the_converter_is_refused(tmp_path):
    with pytest.raises(ExportError, match=r"no convert_hf_to_gguf\.py with its gguf-py/"):
        converter_module.find_converter(llama_cpp_dir=tmp_path)


def test_checkout_and_unpacked_sdist_layouts_are_both_found(tmp_path):
    for root in (tmp_path / "llama.cpp", tmp_path / "sdist" / "vendor" / "llama.cpp"):
        (root / "gguf-py").mkdir(parents=True)
        (root / "convert_hf_to_gguf.py").write_text("")
    assert converter_module.find_converter(llama_cpp_dir=tmp_path / "llama.cpp").root == tmp_path / "llama.cpp"
    found = converter_module.find_converter(llama_cpp_dir=tmp_path / "sdist")
    assert found.root == tmp_path / "sdist" / "vendor" / "llama.cpp"


def test_missing_llama_cpp_python_is_named(monkeypatch):
    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(converter_module.metadata, "version", not_installed)
    with pytest.raises(ExportError, match=r"llama-cpp-python is not installed.*\[local\]"):
        converter_module.find_converter()


def test_failed_sdist_download_says_where_to_put_it(tmp_path, monkeypatch):
    def pip_fails(command, **kwargs):
        return subprocess.CompletedProcess(command, 1, "", "ERROR: No matching distribution found")

    monkeypatch.setattr(converter_module.subprocess, "run", pip_fails)
    with pytest.raises(ExportError, match=r"(?s)could not fetch .*No matching distribution.*--llama-cpp-dir") as e:
        converter_module.sdist_converter("9.9.9", cache_root=tmp_path)
    assert str(tmp_path / "llama-cpp-sdist") in str(e.value)


def test_out_that_exists_needs_force(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.gguf").write_text("x")
    with pytest.raises(ExportError, match=r"exists and is not empty; pass --force"):
        pipeline.check_out(tmp_path / "out", force=False)
    pipeline.check_out(tmp_path / "out", force=True)


def test_publish_replaces_the_old_output_with_renames(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.gguf").write_text("old")
    staging = tmp_path / ".out.partial-x"
    staging.mkdir()
    (staging / "new.gguf").write_text("new")
    pipeline._publish(staging, tmp_path / "out")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["new.gguf"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_quant_list_is_checked():
    from spcopilot.export.quantize import parse_quant_list

    assert parse_quant_list("q4_k_m, Q8_0,q4_k_m") == ["q4_k_m", "q8_0"]
    assert parse_quant_list("") == []
    with pytest.raises(ExportError, match=r"--quant 'q3_xyz': unknown quantization; one of q8_0"):
        parse_quant_list("q8_0,q3_xyz")


# -- with the tiny model ---------------------------------------------------------------------


def test_a_failing_step_removes_the_half_written_output(tiny_model, tmp_path, monkeypatch):
    def merge_then_fail(base, adapter, target):
        (target / "model-00001-of-00002.safetensors").write_bytes(b"half")
        raise ExportError("simulated failure in the middle of the merge")

    monkeypatch.setattr(pipeline, "merge_adapter", merge_then_fail)
    options = ExportOptions(
        base=tiny_model.hf_dir, adapter=tiny_model.adapter_dir, out=tmp_path / "out", progress=False
    )
    with pytest.raises(ExportError, match="simulated failure"):
        run_export(options)
    assert list(tmp_path.iterdir()) == []


def test_f16_parity_gate_fails_the_export_and_leaves_nothing(tiny_model, tmp_path):
    options = ExportOptions(
        base=tiny_model.hf_dir,
        adapter=tiny_model.adapter_dir,
        out=tmp_path / "out",
        quants=[],
        pretokenizer="qwen2",
        parity_prompts=2,
        max_logit_diff=1e-7,  # f16 storage alone costs more than this
        progress=False,
    )
    with pytest.raises(
        ParityError, match=r"out-f16\.gguf does not compute what the merged model computes: max abs logit difference"
    ):
        run_export(options)
    assert list(tmp_path.iterdir()) == []


def test_unknown_pretokenizer_without_the_flag_names_the_flag(tiny_model, tmp_path):
    converter = converter_module.find_converter()
    with pytest.raises(
        ExportError, match=r"does not recognise the BPE pre-tokenizer .*\(hash [0-9a-f]{64}\).*--pretokenizer qwen2"
    ):
        converter_module.convert(tiny_model.hf_dir, tmp_path / "x.gguf", converter, "f16")
    assert not (tmp_path / "x.gguf").exists()


def test_pretokenizer_llama_cpp_does_not_know_is_refused(tiny_model, tmp_path):
    converter = converter_module.find_converter()
    assert {"qwen2", "llama-bpe", "deepseek-coder", "default"} <= converter.pretokenizers
    with pytest.raises(ExportError, match=r"--pretokenizer 'qwen7' is not a pre-tokenizer llama\.cpp knows"):
        converter_module.convert(tiny_model.hf_dir, tmp_path / "x.gguf", converter, "f16", pretokenizer="qwen7")


def test_a_pretokenizer_that_splits_differently_is_caught_by_the_tokenizer_check(tiny_model, tmp_path):
    from spcopilot.export.gguf_check import check_gguf
    from transformers import AutoTokenizer

    converter = converter_module.find_converter()
    gguf = tmp_path / "wrong.gguf"
    # GPT-2's split keeps a tab or "(" apart from the word after it; Qwen2's joins them ("\tint" is one token here)
    converter_module.convert(tiny_model.hf_dir, gguf, converter, "f16", pretokenizer="gpt-2")
    tokenizer = AutoTokenizer.from_pretrained(tiny_model.hf_dir)
    with pytest.raises(ExportError, match=r"tokenizes \d+ of 11 probe texts differently .*name another one"):
        check_gguf(gguf, tiny_model.hf_dir, tokenizer, strict_tokenizer=True)
    report = check_gguf(gguf, tiny_model.hf_dir, tokenizer, strict_tokenizer=False)
    assert report.pre_tokenizer == "gpt-2"
    assert report.tokenizer_agreement[0] < report.tokenizer_agreement[1] == 11
