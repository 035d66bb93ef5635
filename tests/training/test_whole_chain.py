"""The whole chain on CPU, as the training issue's "done when" states it: the test corpus →
data prepare → data dpo → train sft → train dpo → export (merge, GGUF, quantize, parity) →
eval run on the exported model through llama.cpp → reports. Scores are computed, not asserted
high (a tiny model trained for five steps writes no plugins)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spcopilot.cli import main
from tests.training.test_trainers import train_args

BATTERY = Path(__file__).resolve().parents[2] / "training" / "eval" / "data" / "battery.jsonl"


def test_corpus_to_evaluated_gguf(tiny_model, prepared_for_tiny: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    data = prepared_for_tiny  # data prepare --max-tokens 1536, tiny-cpu.yaml's max_seq_length
    try:
        assert main(train_args("sft", tiny_model.hf_dir, data, tmp_path / "run")) == 0
        sft = tmp_path / "run" / "sft" / "adapter"
        measured = json.loads((sft / "training.json").read_text())["data"]["truncation"]["train/chat.jsonl"]
        assert measured["max_length"] == 1536 and measured["truncated"] == 0
        assert main(train_args("dpo", tiny_model.hf_dir, data, tmp_path / "run", "--adapter", str(sft))) == 0
    finally:
        torch.set_num_threads(threads)
    dpo = tmp_path / "run" / "dpo" / "adapter"

    out = tmp_path / "dist"
    assert main(["export", "--base", str(tiny_model.hf_dir), "--adapter", str(dpo), "--out", str(out),
                 "--quant", "q8_0", "--pretokenizer", "qwen2", "--name", "chain"]) == 0  # fmt: skip
    parity = json.loads((out / "parity.json").read_text())
    assert parity  # computed for every GGUF
    gguf = next(out.glob("*q8_0.gguf"))

    battery = tmp_path / "battery.jsonl"
    items = [line for line in BATTERY.read_text(encoding="utf-8").splitlines(keepends=True) if '"prompt"' in line]
    battery.write_text("".join(items[:2]), encoding="utf-8")
    report_dir = tmp_path / "eval"
    code = main(["eval", "run", "--battery", str(battery), "--gguf", str(gguf), "--both", "--max-tokens", "96",
                 "--out", str(report_dir)])  # fmt: skip
    assert code in (0, 1)  # 1: items failed, which a five-step model is expected to do
    report = json.loads((report_dir / "report.json").read_text())
    assert (report_dir / "report.md").is_file() and (report_dir / "outputs.jsonl").is_file()
    assert report["modes"] == ["raw", "guarded"] and len(report["items"]) == 2
    for mode in ("raw", "guarded"):
        figures = report["metrics"][mode]
        assert 0 <= figures["pass_rate"] <= 1 and 0 <= figures["parse_rate"] <= 1
        if figures["judged"] == 0:  # a five-step model's answers do not parse: n/a, with the reason
            assert figures["security_score"] is None and "security_score" in figures["not_applicable"]
        else:
            assert 0 <= figures["security_score"] <= 10
