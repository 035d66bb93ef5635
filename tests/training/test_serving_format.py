"""FIM training examples are the server's inline requests, byte for byte: the same window, the
same context notes, the same template (and, for chat-only models, the same hole-filler prompt)."""

from __future__ import annotations

from pathlib import Path

import pytest
from spcopilot.diagnostics import detect_game_of
from spcopilot.server.ai.inline.prompt import build_inline_prompt
from spcopilot.server.ai.prompts.context import build_context
from spcopilot.server.ai.prompts.fim import FAMILIES
from spcopilot.training.facts import plugin_facts
from spcopilot.training.holes import _ServingModel, candidate_holes, choose_holes, hole_record, serving_prompt
from spcopilot.training.sft_data import IGNORE, fim_prompt, tokenize_fim

PLUGIN = Path(__file__).parent / "corpus" / "l4d2-infected-stats" / "pounce_announce.sp"


def editor_request(text: str, start: int, end: int, family, chat: bool = False):
    """What the server builds when the user's cursor sits in the hole (the middle not typed yet)."""
    document = text[:start] + text[end:]
    facts = plugin_facts(text)
    context = build_context(document, document.count("\n", 0, start), detect_game_of(text).game, facts.events)
    multi_line = "\n" in text[start:end]
    return build_inline_prompt(_ServingModel(family, chat), document, start, PLUGIN.name, context, multi_line)  # type: ignore[arg-type]


@pytest.mark.parametrize("family_name", ["qwen2.5-coder", "starcoder2", "codellama", "deepseek-coder", None])
def test_training_prompt_is_the_servers_prompt(family_name: str | None) -> None:
    text = PLUGIN.read_text()
    family = FAMILIES[family_name] if family_name else None
    holes = choose_holes(text, "key", 6)
    assert {h.kind for h in holes} == {"body", "statement", "line"}
    for hole in holes:
        record = hole_record(text, hole, "repo", PLUGIN.name, 0, "l4d2", plugin_facts(text).events)
        assert record["context"]["events"] == ["lunge_pounce", "tongue_grab"]
        served = editor_request(text, hole.start, hole.end, family)
        trained, _end = fim_prompt(family, record)
        assert trained == served.prompt
        assert served.kind == ("fim" if family else "prefix")
        assert "// Events hooked in this file: lunge_pounce, tongue_grab" in trained  # the context notes


def test_chat_only_models_train_on_the_hole_filler_prompt() -> None:
    text = PLUGIN.read_text()
    hole = choose_holes(text, "key", 1)[0]
    record = hole_record(text, hole, "repo", PLUGIN.name, 0, "l4d2", plugin_facts(text).events)
    served = editor_request(text, hole.start, hole.end, None, chat=True)
    assert served.kind == "chat"
    assert serving_prompt(record, None, chat=True).messages == served.messages


def test_only_the_middle_and_its_end_token_carry_loss() -> None:
    tokenizers = pytest.importorskip("tokenizers")
    transformers = pytest.importorskip("transformers")
    # A throwaway byte-level tokenizer with the Qwen FIM tokens: enough to check the labels.
    model = tokenizers.models.BPE()
    raw = tokenizers.Tokenizer(model)
    raw.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
    raw.decoder = tokenizers.decoders.ByteLevel()
    special = ["<|endoftext|>", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|file_sep|>", "<|repo_name|>"]
    trainer = tokenizers.trainers.BpeTrainer(
        vocab_size=300, special_tokens=special, initial_alphabet=tokenizers.pre_tokenizers.ByteLevel.alphabet()
    )
    raw.train_from_iterator([PLUGIN.read_text()], trainer)
    tokenizer = transformers.PreTrainedTokenizerFast(tokenizer_object=raw, eos_token="<|endoftext|>")
    text = PLUGIN.read_text()
    hole = choose_holes(text, "key", 1)[0]
    record = hole_record(text, hole, "repo", PLUGIN.name, 0, "l4d2")
    family = FAMILIES["qwen2.5-coder"]
    row = tokenize_fim(record, tokenizer, family, 4096)
    answer = [t for t, label in zip(row["input_ids"], row["labels"], strict=True) if label != IGNORE]
    assert tokenizer.decode(answer) == record["middle"] + "<|endoftext|>"
    prompt = [t for t, label in zip(row["input_ids"], row["labels"], strict=True) if label == IGNORE]
    assert tokenizer.decode(prompt).endswith("<|fim_middle|>")


def test_include_folders_add_the_signature_notes_the_server_shows(tmp_path: Path) -> None:
    from spcopilot.training.examples import include_lookup

    (tmp_path / "halflife.inc").write_text(
        "/**\n * Returns a random float.\n */\nnative float GetRandomFloat(float fMin=0.0, float fMax=1.0);\n"
        "native void PrintToChatAll(const char[] format, any ...);\n"
    )
    text = PLUGIN.read_text()
    facts = plugin_facts(text)
    start = text.index("float boost = GetRandomFloat")
    hole = next(h for h in candidate_holes(text)["statement"] if h.start == start)
    record = hole_record(
        text, hole, "repo", PLUGIN.name, 0, "l4d2", facts.events, include_lookup((str(tmp_path),)), facts.defines
    )
    signatures = record["context"]["signatures"]
    # Names near the cursor in the document the editor has: the hole's own call is not typed yet.
    assert signatures == ["native void PrintToChatAll(const char[] format, any ...)"]
    prompt, _ = fim_prompt(FAMILIES["qwen2.5-coder"], record)
    assert "// Signatures used here:" in prompt and "<|file_sep|>include/context.inc" in prompt
