"""Fixtures for the training tests: the fake corpus (tests/training/corpus: several small
"repositories" of plausible plugins plus the files the filters must drop), and the data folders
`data prepare` and `data dpo` build from it, made once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "corpus"
CONFIGS = Path(__file__).parents[2] / "training" / "configs"


@pytest.fixture(scope="session")
def corpus() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("datasets", reason="data prepare needs the train extra (datasets)")
    from spcopilot.training.prepare import PrepareOptions, prepare

    out = tmp_path_factory.mktemp("prepared") / "data"
    prepare(PrepareOptions([CORPUS], out, eval_fraction=0.2, progress=False, num_proc=1))
    return out


@pytest.fixture(scope="session")
def prepared_for_tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus prepared as a user would for tiny-cpu.yaml: `--max-tokens 1536`, its max_seq_length (the
    trainer refuses a set where more than 2 % of the chat examples are longer), with its DPO pairs."""
    pytest.importorskip("datasets", reason="data prepare needs the train extra (datasets)")
    from spcopilot.training.preferences import DpoOptions, build_pairs
    from spcopilot.training.prepare import PrepareOptions, prepare

    out = tmp_path_factory.mktemp("prepared-1536") / "data"
    prepare(PrepareOptions([CORPUS], out, eval_fraction=0.2, progress=False, num_proc=1, max_tokens=1536))
    build_pairs(DpoOptions(out, progress=False))
    return out


@pytest.fixture(scope="session")
def dpo_data(prepared: Path) -> Path:
    from spcopilot.training.preferences import DpoOptions, build_pairs

    build_pairs(DpoOptions(prepared, progress=False))
    return prepared / "dpo"


@pytest.fixture
def single_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny-model training on 2 shared cores is 5-15x faster on one thread."""
    torch = pytest.importorskip("torch")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
def trained_steps(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The global step at each SFT training step this test runs (to tell a resume from a fresh start)."""
    from trl import SFTTrainer

    steps: list[int] = []
    original = SFTTrainer.training_step

    def counted(self, *args, **kwargs):
        steps.append(self.state.global_step)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SFTTrainer, "training_step", counted)
    return steps


def read_jsonl(path: Path) -> list[dict]:
    import json

    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
