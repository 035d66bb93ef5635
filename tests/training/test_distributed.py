"""The shipped several-GPU configs (training/configs/accelerate/) with more than one process, on
CPUs: `accelerate launch --num_processes 2` of the tiny model's SFT run, two processes over gloo.

- DDP: both ranks train (each step covers 2 x the per-device batch), the main process saves one
  adapter, and it equals a one-process run that sees the same samples per step (batch 2 with 2
  accumulation steps) within ADAPTER_TOLERANCE: data parallelism must not change what is learned.
- FSDP: accelerate 1.15 shards only across accelerators: on CPUs its state is MULTI_CPU and the
  FSDP config is dropped without a word (state.py turns FSDP on only for MULTI_GPU-like types), so
  the run is plain DDP. The trainer says so, and the result is the DDP one. (torch itself runs
  FSDP1 and FSDP2 on CPUs over gloo: checked by hand, see the training README; accelerate's
  `sync_module_states`, forced on by `cpu_ram_efficient_loading`, also needs an accelerator, hence
  the two overrides below.)

Launch overrides for CPUs, and only these: --mixed_precision no (the configs ask for bf16), and
for FSDP the two flags above. Everything else is the shipped file.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.training.conftest import CONFIGS

pytestmark = pytest.mark.slow
TINY = CONFIGS / "tiny-cpu.yaml"
ACCELERATE = CONFIGS / "accelerate"
STEPS = 3
ADAPTER_TOLERANCE = 1e-5  # max abs difference of any LoRA weight (they are ~1e-3 after 3 steps)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def train_command(config: Path, model: Path, data: Path, out: Path) -> list[str]:
    return ["-m", "spcopilot", "train", "sft", "--config", str(config), "--base-model", str(model), "--data",
            str(data), "--output-dir", str(out), "--device", "cpu", "--max-steps", str(STEPS)]  # fmt: skip


def run(command: list[str], log: Path) -> str:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    env.pop("RANK", None)
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, check=False)
    log.write_text(result.stdout + result.stderr)
    assert result.returncode == 0, (
        f"{' '.join(command[:6])} failed (exit {result.returncode}):\n{result.stderr[-3000:]}"
    )
    return result.stdout


def launch(accelerate_config: str, model: Path, data: Path, out: Path, *overrides: str) -> str:
    command = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(ACCELERATE / accelerate_config),
               "--num_processes", "2", "--main_process_port", str(free_port()), "--mixed_precision", "no", *overrides,
               *train_command(TINY, model, data, out)]  # fmt: skip
    return run(command, out.parent / f"{out.name}.log")


def weights(run_dir: Path) -> dict:
    from safetensors.numpy import load_file

    return load_file(run_dir / "sft" / "adapter" / "adapter_model.safetensors")


def max_difference(a: dict, b: dict) -> float:
    assert set(a) == set(b)
    return max(float(abs(a[k] - b[k]).max()) for k in a)


@pytest.fixture(scope="module")
def one_process(tiny_model, prepared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One process that sees per step what two processes of batch 2 see: batch 2, 2 accumulation steps."""
    pytest.importorskip("accelerate")
    folder = tmp_path_factory.mktemp("one")
    config = yaml.safe_load(TINY.read_text())
    config["sft"]["gradient_accumulation_steps"] = 2
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    run([sys.executable, *train_command(folder / "config.yaml", tiny_model.hf_dir, prepared, folder / "run")],
        folder / "run.log")  # fmt: skip
    return folder / "run"


def check_two_process_run(out: Path, stdout: str, prepared: Path) -> dict:
    assert stdout.count("adapter: ") == 1  # the main process reports, the other keeps quiet
    assert [p.name for p in (out / "sft").glob("adapter*")] == ["adapter"]  # one adapter, no partial copy
    record = json.loads((out / "sft" / "adapter" / "training.json").read_text())
    distributed = record["metrics"]["distributed"]
    assert (distributed["processes"], distributed["backend"]) == (2, "gloo")
    # both ranks trained: every step took 2 processes x 2 examples, 4 per step
    examples = record["data"]["counts"]
    train_examples = sum(v for k, v in examples.items() if k.startswith("train/"))
    first = record["metrics"]["log_history"][0]
    assert first["step"] == 1 and first["epoch"] == pytest.approx(4 / train_examples, rel=0.05)
    return record


def test_ddp_two_processes_match_one(tiny_model, prepared: Path, one_process: Path, tmp_path: Path) -> None:
    out = tmp_path / "ddp"
    stdout = launch("ddp.yaml", tiny_model.hf_dir, prepared, out)
    record = check_two_process_run(out, stdout, prepared)
    assert record["metrics"]["distributed"]["type"] == "MULTI_CPU"
    trained, reference = weights(out), weights(one_process)
    assert max(float(abs(v).max()) for k, v in reference.items() if "lora_B" in k) > 100 * ADAPTER_TOLERANCE
    assert max_difference(trained, reference) <= ADAPTER_TOLERANCE


def test_fsdp_config_on_cpus_runs_as_ddp_and_says_so(
    tiny_model, prepared: Path, one_process: Path, tmp_path: Path
) -> None:
    out = tmp_path / "fsdp"
    stdout = launch("fsdp.yaml", tiny_model.hf_dir, prepared, out,
                    "--fsdp_sync_module_states", "false", "--fsdp_cpu_ram_efficient_loading", "false")  # fmt: skip
    assert "the FSDP config is not in effect" in stdout
    record = check_two_process_run(out, stdout, prepared)
    assert record["metrics"]["distributed"]["fsdp_version"] is None
    assert max_difference(weights(out), weights(one_process)) <= ADAPTER_TOLERANCE
