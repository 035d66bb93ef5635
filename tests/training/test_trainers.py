"""`spcopilot train sft` / `train dpo` on the tiny test model (peft path, a few CPU steps), and
the ways a run must fail clearly: bad config, missing base model, CUDA without a GPU, disk full."""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

import pytest
from spcopilot.training import staging

from spcopilot.cli import main
from tests.training.conftest import CONFIGS

pytest.importorskip("yaml", reason="training configs need pyyaml (train extra)")
TINY = CONFIGS / "tiny-cpu.yaml"


def train_args(stage: str, model: Path, data: Path, out: Path, *extra: str) -> list[str]:
    return [
        "train",
        stage,
        "--config",
        str(TINY),
        "--base-model",
        str(model),
        "--data",
        str(data),
        "--output-dir",
        str(out),
        *extra,
    ]


def test_shipped_configs_load(tmp_path: Path) -> None:
    from spcopilot.training.config import load_config

    for path in sorted(CONFIGS.glob("*.yaml")):
        config = load_config(path, {"base_model": str(tmp_path), "data": str(tmp_path)})
        sft = config.sft
        if config.device == "cpu":  # CPU configs: float32, the main process loads the data
            assert not config.bf16 and config.dataloader_num_workers == 0 and not config.load_in_4bit
        else:  # GPU configs keep the card and the CPU busy
            assert sft.per_device_train_batch_size >= 4 and config.dataloader_num_workers >= 4
            assert config.bf16 and config.dpo.adapter.endswith("/sft/adapter")
        assert config.dpo.learning_rate < sft.learning_rate


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("base_model: x\ndata: y\nlearning_rate: 1\n", "unknown key(s) learning_rate"),
        ("base_model: x\ndata: y\nsft:\n  batch: 4\n", "sft: unknown key(s) batch"),
        ("base_model: x\ndata: y\nbf16: maybe\n", "bf16: expected true or false"),
        ("base_model: x\ndata: y\nlora:\n  r: four\n", "lora.r: expected a whole number"),
        ("data: y\n", "base_model is not set"),
        ("base_model: x\ndata: y\nengine: deepspeed\n", "engine: 'deepspeed' is not one of"),
        ("base_model: [x\n", "not valid YAML"),
    ],
)
def test_config_mistakes_are_clear_errors(tmp_path: Path, capsys, content: str, message: str) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(content)
    assert main(["train", "sft", "--config", str(config)]) == 2
    assert message in capsys.readouterr().err


def test_missing_base_model_is_a_clear_error(prepared: Path, tmp_path: Path, capsys) -> None:
    pytest.importorskip("torch")
    assert main(train_args("sft", tmp_path / "no-such-model", prepared, tmp_path / "run")) == 2
    assert "no-such-model: no such file or folder" in capsys.readouterr().err
    (tmp_path / "not-a-model").mkdir()
    assert main(train_args("sft", tmp_path / "not-a-model", prepared, tmp_path / "run")) == 2
    assert "has no config.json" in capsys.readouterr().err


def test_cuda_requested_without_a_gpu(prepared: Path, tmp_path: Path, capsys) -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    args = train_args("sft", tmp_path, prepared, tmp_path / "run", "--device", "cuda")
    assert main(args) == 2
    assert "device: cuda was requested, but torch sees no CUDA GPU" in capsys.readouterr().err


def test_engine_choice_on_cpu() -> None:
    pytest.importorskip("torch")
    from spcopilot.training.config import TrainConfig
    from spcopilot.training.engines import plan
    from spcopilot.training.errors import TrainingError

    chosen = plan(TrainConfig(base_model="m", data="d", device="cpu", bf16=True))
    assert (chosen.device, chosen.engine, chosen.bf16) == ("cpu", "transformers", False)
    with pytest.raises(TrainingError, match="unsloth needs a CUDA GPU"):
        plan(TrainConfig(base_model="m", data="d", device="cpu", engine="unsloth"))


@pytest.fixture(scope="module")
def sft_run(tiny_model, prepared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("trl")
    out = tmp_path_factory.mktemp("run")
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert main(train_args("sft", tiny_model.hf_dir, prepared, out)) == 0
    finally:
        torch.set_num_threads(threads)
    return out


def test_sft_writes_an_adapter_with_its_record(sft_run: Path, prepared: Path) -> None:
    adapter = sft_run / "sft" / "adapter"
    assert (adapter / "adapter_model.safetensors").is_file() and (adapter / "adapter_config.json").is_file()
    record = json.loads((adapter / "training.json").read_text())
    assert record["stage"] == "sft" and record["engine"] == "transformers" and record["device"].startswith("cpu")
    assert record["config"]["lora"]["r"] == 4 and record["config"]["sft"]["max_steps"] == 3
    stats = json.loads((prepared / "stats.json").read_text())
    chat = str(prepared / "train" / "chat.jsonl")
    assert record["data"]["files"][chat] == stats["outputs"]["train/chat.jsonl"]["sha256"]
    assert record["data"]["fim_family"] == "qwen2.5-coder"  # picked from the tokenizer's FIM tokens
    assert record["metrics"]["steps"] == 3 and record["metrics"]["train/train_loss"] > 0
    assert "eval/eval_loss" in record["metrics"]
    measured = record["data"]["truncation"]["train/chat.jsonl"]  # measured with the tiny model's template: none cut
    assert measured["max_length"] == 1536 and measured["records"] > 0 and measured["truncated"] == 0
    assert {"torch", "transformers", "peft", "trl", "datasets"} <= set(record["versions"])
    assert list((sft_run / "sft" / "runs").rglob("events.out.tfevents.*"))  # TensorBoard logs
    assert not (sft_run / "sft" / "adapter.partial").exists()


def test_dpo_continues_from_the_sft_adapter(sft_run: Path, dpo_data: Path, tiny_model, capsys) -> None:
    from safetensors.numpy import load_file

    torch = pytest.importorskip("torch")
    sft_adapter = sft_run / "sft" / "adapter"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        code = main(train_args("dpo", tiny_model.hf_dir, dpo_data.parent, sft_run, "--adapter", str(sft_adapter)))
    finally:
        torch.set_num_threads(threads)
    assert code == 0
    assert "dpo/adapter" in capsys.readouterr().out
    adapter = sft_run / "dpo" / "adapter"
    record = json.loads((adapter / "training.json").read_text())
    assert record["stage"] == "dpo" and record["data"]["started_from_adapter"] == str(sft_adapter)
    assert record["metrics"]["steps"] == 2 and record["data"]["pairs_used"] > 0
    assert str(dpo_data / "train.jsonl") in record["data"]["files"]
    before, after = (
        load_file(sft_adapter / "adapter_model.safetensors"),
        load_file(adapter / "adapter_model.safetensors"),
    )
    assert set(before) == set(after)  # the trained adapter only (no frozen reference copy)
    assert any(not (before[k] == after[k]).all() for k in before)
    assert not (adapter / "ref").exists()


def test_an_existing_adapter_is_not_overwritten_silently(sft_run: Path, prepared: Path, tiny_model, capsys) -> None:
    assert main(train_args("sft", tiny_model.hf_dir, prepared, sft_run)) == 2
    assert "already exists: pass --resume" in capsys.readouterr().err


def test_disk_full_while_saving_leaves_no_adapter(
    tiny_model, prepared: Path, tmp_path: Path, monkeypatch, single_thread, capsys
) -> None:
    pytest.importorskip("trl")

    def full(path: Path, lines) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(staging, "write_lines", full)  # training.json is the last file the save writes
    out = tmp_path / "run"
    assert main(train_args("sft", tiny_model.hf_dir, prepared, out, "--max-steps", "1")) == 2
    err = capsys.readouterr().err
    assert "could not save the adapter" in err and "no space left on the device" in err
    assert not (out / "sft" / "adapter").exists() and not (out / "sft" / "adapter.partial").exists()
    assert (out / "sft" / "checkpoint-1").is_dir()  # what was trained can still be resumed
    shutil.rmtree(out)


def test_resume_continues_from_the_latest_checkpoint(
    sft_run: Path, tiny_model, prepared: Path, trained_steps: list[int], single_thread
) -> None:
    assert main(train_args("sft", tiny_model.hf_dir, prepared, sft_run, "--resume", "--max-steps", "4")) == 0
    assert trained_steps == [3]  # one new step after checkpoint-3, not a run from the start
    record = json.loads((sft_run / "sft" / "adapter" / "training.json").read_text())
    assert record["config"]["resume"] is True and record["metrics"]["steps"] == 4


def test_the_seed_decides_the_adapter(tiny_model, prepared: Path, tmp_path: Path, single_thread) -> None:
    """Same seed, same adapter (LoRA's initial matrices and the data order follow it); another seed, another."""
    pytest.importorskip("trl")
    from safetensors.numpy import load_file

    trained = {}
    for name, seed in (("a", "42"), ("b", "42"), ("c", "7")):
        args = train_args("sft", tiny_model.hf_dir, prepared, tmp_path / name, "--max-steps", "1", "--seed", seed)
        assert main(args) == 0
        trained[name] = load_file(tmp_path / name / "sft" / "adapter" / "adapter_model.safetensors")
    assert all((trained["a"][k] == trained["b"][k]).all() for k in trained["a"])
    assert any(not (trained["a"][k] == trained["c"][k]).all() for k in trained["a"] if "lora_A" in k)


def test_a_set_prepared_for_longer_sequences_is_refused_before_training(
    tiny_model, prepared: Path, tmp_path: Path, capsys
) -> None:
    pytest.importorskip("trl")
    import shutil

    data = tmp_path / "data"
    shutil.copytree(prepared, data)
    chat = data / "train" / "chat.jsonl"
    records = [json.loads(line) for line in chat.read_text(encoding="utf-8").splitlines()]
    longest = max(records, key=lambda r: len(r["messages"][-1]["content"]))
    long = json.loads(json.dumps(longest))
    long["messages"][-1]["content"] *= 6  # several thousand tokens: what --max-tokens 4096+ lets through
    with chat.open("a", encoding="utf-8") as out:
        out.writelines(json.dumps(long) + "\n" for _ in range(2))
    assert main(train_args("sft", tiny_model.hf_dir, data, tmp_path / "run")) == 2
    err = capsys.readouterr().err
    assert f"train/chat.jsonl: 2 of {len(records) + 2} examples" in err and "longer than 1536 tokens" in err
    assert "spcopilot data prepare --max-tokens 1536" in err
    assert not (tmp_path / "run" / "sft" / "adapter").exists() and not list((tmp_path / "run").rglob("checkpoint-*"))


def test_a_base_file_that_is_not_gguf_is_a_clear_error(prepared: Path, tmp_path: Path, capsys) -> None:
    pytest.importorskip("torch")
    weights = tmp_path / "model.bin"
    weights.write_bytes(b"\x80\x04not a gguf")
    assert main(train_args("sft", weights, prepared, tmp_path / "run")) == 2
    assert "model.bin: a file, but not a GGUF file" in capsys.readouterr().err


def test_without_tensorboard_the_run_says_so(
    tiny_model, prepared: Path, tmp_path: Path, monkeypatch, single_thread, capsys
) -> None:
    pytest.importorskip("trl")
    import transformers.integrations

    monkeypatch.setattr(transformers.integrations, "is_tensorboard_available", lambda: False)
    assert main(train_args("sft", tiny_model.hf_dir, prepared, tmp_path / "run", "--max-steps", "1")) == 0
    assert "TensorBoard is not installed: no event logs are written" in capsys.readouterr().out
    assert not list((tmp_path / "run").rglob("events.out.tfevents.*"))
