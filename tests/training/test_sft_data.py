"""The trainer's view of chat examples: the server's system prompt for this model swapped in, and
an example that does not fit max_length left out whole rather than cut."""

from __future__ import annotations

import pytest
from spcopilot.server.ai.prompts.system import system_prompt
from spcopilot.training.sft_data import IGNORE, serving_messages, tokenize_chat


def chat(system: str, answer: str = "```sourcepawn\nint x;\n```") -> dict:
    return {"messages": [{"role": "system", "content": system}, {"role": "user", "content": "Write x."},
                         {"role": "assistant", "content": answer}]}  # fmt: skip


def test_the_full_server_prompt_becomes_the_one_this_model_is_served() -> None:
    compact = system_prompt(compact=True)
    swapped = serving_messages(chat(system_prompt())["messages"], compact)
    assert swapped[0] == {"role": "system", "content": compact} and swapped[1:] == chat("")["messages"][1:]
    custom = chat("You are a pirate.")["messages"]
    assert serving_messages(custom, compact) == custom  # someone else's system message stays
    assert serving_messages(chat(system_prompt())["messages"], None)[0]["content"] == system_prompt()


def test_a_chat_example_is_trained_on_its_answer_and_left_out_whole_when_too_long(tiny_model) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model.hf_dir)
    record = chat(system_prompt())
    compact = system_prompt(compact=True)
    row = tokenize_chat(record, tokenizer, 4096, compact)
    answer = [t for t, label in zip(row["input_ids"], row["labels"], strict=True) if label != IGNORE]
    assert "int x;" in tokenizer.decode(answer) and row["labels"][0] == IGNORE
    assert len(row["input_ids"]) < len(tokenize_chat(record, tokenizer, 4096)["input_ids"])  # the compact prompt
    too_short = len(row["input_ids"]) - 1
    assert tokenize_chat(record, tokenizer, too_short, compact) == {"input_ids": [], "labels": []}


def write_chat(folder, records: list[dict]) -> None:
    import json

    (folder / "train").mkdir(parents=True)
    lines = [json.dumps(r) for r in records]
    (folder / "train" / "chat.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_set_with_too_many_long_chat_examples_is_refused_and_a_few_are_left_out(tiny_model, tmp_path) -> None:
    pytest.importorskip("datasets")
    from spcopilot.training.errors import DatasetError
    from spcopilot.training.sft_data import sft_datasets
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model.hf_dir)
    compact = system_prompt(compact=True)
    long_answer = "```sourcepawn\n" + "int counter_%d;\n" * 400 + "```"
    records = [chat(system_prompt()) for _ in range(9)] + [chat(system_prompt(), long_answer)]
    write_chat(tmp_path / "data", records)
    args = (tmp_path / "data", tokenizer, 512, False, "none", 1)
    with pytest.raises(DatasetError) as refused:  # 1 of 10 over 512 tokens: above the 2 % default
        sft_datasets(*args, system=compact)
    message = str(refused.value)
    assert "train/chat.jsonl: 1 of 10 examples (10.0 %) are longer than 512 tokens" in message
    assert "the limit is 2.0 %" in message and "data prepare --max-tokens 512" in message
    assert "counts estimated tokens with the full system prompt" in message  # this model is served the compact one
    train, evaluation, info = sft_datasets(*args, system=compact, max_truncated_share=0.1)  # 10 %: accepted
    assert len(train) == 9 and evaluation is None and info.left_out == {"train/chat_too_long": 1}
    measured = info.truncation["train/chat.jsonl"]
    assert (measured["records"], measured["truncated"], measured["max_length"]) == (10, 1, 512)
    assert measured["longest"] > 512 and measured["tokens_lost"] == measured["longest"] - 512
    assert info.other_system_prompt == 0


def test_whole_plugins_are_repeated_in_the_training_set_only(tiny_model, tmp_path) -> None:
    pytest.importorskip("datasets")
    import json

    from spcopilot.training.sft_data import sft_datasets
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model.hf_dir)
    records = [{**chat(system_prompt()), "meta": {"kind": kind}} for kind in ("plugin", "function", "plugin_part")]
    write_chat(tmp_path / "data", records)
    (tmp_path / "data" / "eval").mkdir()
    (tmp_path / "data" / "eval" / "chat.jsonl").write_text(json.dumps(records[0]) + "\n", encoding="utf-8")
    args = (tmp_path / "data", tokenizer, 4096, False, "none", 1)
    train, evaluation, info = sft_datasets(*args, plugin_repeats=4)
    assert len(train) == 3 + 3 and len(evaluation) == 1  # the whole plugin 4 times; eval keeps one
    assert info.counts["train/whole_plugins_repeated"] == 3
    assert len(sft_datasets(*args)[0]) == 3


def test_plugin_repeats_must_be_at_least_one(tmp_path) -> None:
    from spcopilot.training.config import load_config
    from spcopilot.training.errors import TrainingError

    path = tmp_path / "c.yaml"
    path.write_text("base_model: m\ndata: d\nsft:\n  plugin_repeats: 0\n", encoding="utf-8")
    with pytest.raises(TrainingError, match="plugin_repeats must be at least 1"):
        load_config(path)


def test_a_system_prompt_from_another_version_is_counted(tiny_model, tmp_path) -> None:
    pytest.importorskip("datasets")
    from spcopilot.training.sft_data import sft_datasets
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model.hf_dir)
    older = system_prompt().replace("SourceMod", "SourceMod 1.11", 1)  # what an older `data prepare` wrote
    write_chat(tmp_path / "data", [chat(system_prompt()), chat(older), chat(older)])
    _, _, info = sft_datasets(tmp_path / "data", tokenizer, 4096, False, "none", 1, system=system_prompt(compact=True))
    assert info.other_system_prompt == 2 and info.to_json()["other_system_prompt"] == 2


@pytest.fixture(autouse=True)
def _needs_transformers() -> None:
    pytest.importorskip("transformers")
