"""Issue 19 item 7, the CUDA path on the real base (SmolLM2-135M-Instruct's GGUF, dequantized):
LoRA with peft in bf16, and QLoRA (the base loaded in 4 bits by bitsandbytes), a few steps of the
shipped CPU config's mix with evaluation on the held-out split. It runs only where torch sees a
CUDA GPU. CI never depends on it: CI machines have no GPU, and neither had the machine this was
written on (its task was not lent a GPU machine), so there it skips and says why; it has not run
yet. The several-process path runs on CPUs in test_distributed.py."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from spcopilot.cli import main
from tests.training.conftest import CONFIGS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session", autouse=True)
def cuda() -> None:
    """Asked before the other fixtures (torch is imported here, not when the module is collected:
    that cost every collecting process a second and a half of CPU, also in the fast stage)."""
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip(
            "no CUDA GPU here (torch.cuda.is_available() is False): the CUDA path (bf16 LoRA, 4-bit QLoRA) runs only "
            "on a GPU machine; none was available when it was written, so it has never run"
        )
    pytest.importorskip("trl")
    pytest.importorskip("gguf")


def cuda_config(folder: Path, four_bit: bool) -> Path:
    config = yaml.safe_load((CONFIGS / "smollm2-135m-cpu.yaml").read_text())
    config.update(device="cuda", engine="transformers", bf16=True, load_in_4bit=four_bit, max_seq_length=1536,
                  dataloader_num_workers=2, dataset_num_proc=1, gradient_checkpointing=four_bit)  # fmt: skip
    config["sft"].update(max_steps=4, warmup_steps=0, eval_steps=2, eval_samples=8, save_steps=2, logging_steps=1)
    path = folder / ("qlora.yaml" if four_bit else "bf16.yaml")
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.mark.parametrize("four_bit", [False, True], ids=["bf16-lora", "4bit-qlora"])
def test_sft_on_the_real_base_with_cuda(four_bit: bool, real_model, prepared: Path, tmp_path: Path) -> None:
    if four_bit:
        pytest.importorskip("bitsandbytes", reason="4-bit QLoRA needs bitsandbytes (pip install bitsandbytes)")
    out = tmp_path / "run"
    args = ["train", "sft", "--config", str(cuda_config(tmp_path, four_bit)), "--base-model", str(real_model.gguf),
            "--data", str(prepared), "--output-dir", str(out)]  # fmt: skip
    assert main(args) == 0
    adapter = out / "sft" / "adapter"
    record = json.loads((adapter / "training.json").read_text())
    assert record["device"].startswith("cuda") and record["bf16"] is True and record["engine"] == "transformers"
    assert record["config"]["load_in_4bit"] is four_bit and record["base"]["gguf"]["dequantized_to"] == "float32"
    assert record["metrics"]["steps"] == 4 and (adapter / "adapter_model.safetensors").is_file()
    evaluated = [e["step"] for e in record["metrics"]["log_history"] if "eval_loss" in e]
    assert evaluated[:2] == [2, 4] and math.isfinite(record["metrics"]["eval/eval_loss"])
    assert record["data"]["truncation"]["train/chat.jsonl"]["truncated"] == 0
