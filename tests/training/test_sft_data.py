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


@pytest.fixture(autouse=True)
def _needs_transformers() -> None:
    pytest.importorskip("transformers")
