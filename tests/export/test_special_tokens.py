"""The special-token table the converter wrapper writes from, and the wrapper's two patches,
on stand-ins for the converter's classes (no converter needed)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from spcopilot.export import convert_wrapper
from spcopilot.export.special_tokens import FIM_KEYS, TOKEN_TEXTS, find_tokens, gguf_key


def test_table_covers_every_fim_family_of_the_server_prompt_registry():
    fim = pytest.importorskip("spcopilot.server.ai.prompts.fim")
    for family in fim.FAMILIES.values():
        assert family.prefix in TOKEN_TEXTS["fim_pre"], family.name
        assert family.suffix in TOKEN_TEXTS["fim_suf"], family.name
        assert family.middle in TOKEN_TEXTS["fim_mid"], family.name
        if family.repo_name:
            assert family.repo_name in TOKEN_TEXTS["fim_rep"], family.name
        if family.file_sep:
            assert family.file_sep in TOKEN_TEXTS["fim_sep"], family.name


def test_find_tokens_takes_the_texts_the_vocabulary_has():
    vocabulary = {"<|fim_prefix|>": 5, "<|fim_suffix|>": 6, "<|fim_middle|>": 7, "<|im_end|>": 9, "x": 0}
    found = find_tokens(vocabulary)
    assert found == {
        "fim_pre": ("<|fim_prefix|>", 5),
        "fim_suf": ("<|fim_suffix|>", 6),
        "fim_mid": ("<|fim_middle|>", 7),
        "eot": ("<|im_end|>", 9),
    }
    assert all(key in found for key in FIM_KEYS)
    assert find_tokens({"<PRE>": 1})["fim_pre"] == ("<PRE>", 1)
    assert gguf_key("fim_pre") == "tokenizer.ggml.fim_pre_token_id"


class FakeWriter:
    """What the patch relies on of gguf.GGUFWriter: kv_data, add_uint32, write_header_to_file."""

    def __init__(self, tokens, preset=None):
        self.kv_data = [{"tokenizer.ggml.tokens": SimpleNamespace(value=tokens), **(preset or {})}]
        self.headers_written = 0

    def add_uint32(self, key, value):
        self.kv_data[0][key] = value

    def write_header_to_file(self, path=None):
        self.headers_written += 1


def test_wrapper_adds_missing_special_ids_before_the_header_and_keeps_the_converters():
    class Writer(FakeWriter):
        pass

    convert_wrapper.patch_special_tokens(Writer, {k: list(v) for k, v in TOKEN_TEXTS.items()})
    tokens = ["a", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|im_end|>", "<|file_sep|>"]
    writer = Writer(tokens, preset={"tokenizer.ggml.eot_token_id": 0})
    writer.write_header_to_file(path="x.gguf")
    assert writer.headers_written == 1
    kv = writer.kv_data[0]
    assert kv["tokenizer.ggml.fim_pre_token_id"] == 1
    assert kv["tokenizer.ggml.fim_suf_token_id"] == 2
    assert kv["tokenizer.ggml.fim_mid_token_id"] == 3
    assert kv["tokenizer.ggml.fim_sep_token_id"] == 5
    assert kv["tokenizer.ggml.eot_token_id"] == 0  # set by the converter: left alone
    assert "tokenizer.ggml.fim_pad_token_id" not in kv  # no such token


def make_model_class():
    class TextModel:
        def get_vocab_base_pre(self, tokenizer):
            if tokenizer == "known":
                return "llama-bpe"
            raise NotImplementedError("BPE pre-tokenizer was not recognized - update get_vocab_base_pre()")

    return TextModel


def test_wrapper_falls_back_to_the_named_pretokenizer_only_for_unknown_hashes():
    model_class = make_model_class()
    convert_wrapper.patch_pretokenizer(model_class, "qwen2")
    assert model_class().get_vocab_base_pre("known") == "llama-bpe"
    assert model_class().get_vocab_base_pre("locally trained") == "qwen2"


def test_wrapper_without_a_fallback_exits_with_its_marker(capsys):
    model_class = make_model_class()
    convert_wrapper.patch_pretokenizer(model_class, None)
    with pytest.raises(SystemExit) as exit_info:
        model_class().get_vocab_base_pre("locally trained")
    assert exit_info.value.code == convert_wrapper.UNKNOWN_PRETOKENIZER_EXIT
    assert convert_wrapper.UNKNOWN_PRETOKENIZER_MARKER in capsys.readouterr().err


def test_wrapper_arguments_split_at_the_double_dash():
    args, rest = convert_wrapper.parse(
        ["--converter-dir", "/c", "--pretokenizer", "qwen2", "--", "model", "--outtype", "f16"]
    )
    assert str(args.converter_dir) == "/c" and args.pretokenizer == "qwen2"
    assert rest == ["model", "--outtype", "f16"]
