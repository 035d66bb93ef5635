"""The generation commands on the tiny local model (tests/tiny_model.py) through llama.cpp: what
`info` reports of a loaded GGUF, `estimate` counting with the model's own tokenizer, and a
`generate` whose (nonsense) output still goes through the guard."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from spcopilot.server.ai.prompts import tasks
from spcopilot.server.ai.prompts.system import system_prompt

from tests.tiny_model import TinyModel

from .conftest import Run


def test_info_reports_the_loaded_model(cli: Callable[..., Run], tiny_model: TinyModel) -> None:
    run = cli("info", "--gguf", tiny_model.gguf_q8, "--threads", "1", "--context-size", "2048", "--json")
    assert run.code == 0, run.err
    info = run.json()
    assert isinstance(info, dict)
    assert info["backend"] == "llamacpp" and info["model"] == tiny_model.gguf_q8.name
    loaded = info["loaded"]
    assert loaded["threads"] == 1 and loaded["context"] == 2048
    assert loaded["fim"] == "qwen2.5-coder"  # the tiny model carries Qwen2.5-Coder's FIM tokens


def test_estimate_counts_with_the_models_tokenizer(
    cli: Callable[..., Run], tiny_model: TinyModel, tmp_path: Path
) -> None:
    from spcopilot.server.ai.backends.llamacpp import LlamaCppBackend

    prompts = tmp_path / "p.txt"
    prompts.write_text("announce hunter pounces\n")
    run = cli("estimate", prompts, "--gguf", tiny_model.gguf_f16, "--context-size", "2048", "--json")
    data = run.json()
    assert isinstance(data, dict)
    assert data["counted_by"] == f"the model's tokenizer ({tiny_model.gguf_f16.name})"
    backend = LlamaCppBackend(tiny_model.gguf_f16, threads=1, context_size=2048)
    # the tiny model is small: it gets (and is estimated with) the compact system prompt
    system, user = tasks.plugin_messages("announce hunter pounces", system=system_prompt(compact=True))
    try:
        expected = backend.count_tokens(system.content) + backend.count_tokens(user.content) + 4 + 4 + 3
    finally:
        backend.close()
    assert data["prompts"][0]["prompt_tokens"] == expected
    assert data["total"]["usd"] == 0


def test_generate_runs_the_model_and_the_guard(cli: Callable[..., Run], tiny_model: TinyModel, tmp_path: Path) -> None:
    target = tmp_path / "tiny.sp"
    run = cli(
        "generate",
        "announce hunter pounces",
        "--gguf",
        tiny_model.gguf_q8,
        "--threads",
        "1",
        "--context-size",
        "2048",
        "--max-tokens",
        "48",
        "--no-repair",
        "-o",
        target,
    )
    assert run.code in (0, 1), run.err  # 1 when the tiny model's text does not parse
    assert target.is_file() and "guard: " in run.err
    assert f"({tiny_model.gguf_q8.name})" in run.err  # the usage line names the model
