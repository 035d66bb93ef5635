"""Special tokens the exported GGUF must name in its metadata, by the texts model families use.

llama.cpp's converter writes bos/eos (and eot for some families) but no fill-in-the-middle ids
for Llama-architecture models. The convert wrapper adds every key below that the converter left
unset, taking the first text of the list that is a token of the model; `check_special_tokens`
reads them back. The texts cover the FIM families of the server's prompt registry
(`spcopilot.server.ai.prompts.fim`; a test keeps the two in step).
"""

from __future__ import annotations

# GGUF key suffix (tokenizer.ggml.<name>_token_id) -> token texts, most common first.
TOKEN_TEXTS: dict[str, tuple[str, ...]] = {
    "fim_pre": ("<|fim_prefix|>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>"),
    "fim_suf": ("<|fim_suffix|>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>"),
    "fim_mid": ("<|fim_middle|>", "<fim_middle>", "<｜fim▁end｜>", "<MID>"),
    "fim_pad": ("<|fim_pad|>", "<fim_pad>"),
    "fim_rep": ("<|repo_name|>", "<repo_name>"),
    "fim_sep": ("<|file_sep|>", "<file_sep>"),
    # end of a chat turn (ChatML, Llama 3, DeepSeek, CodeLlama, Gemma)
    "eot": ("<|im_end|>", "<|eot_id|>", "<|EOT|>", "<EOT>", "<end_of_turn>"),
}
FIM_KEYS = ("fim_pre", "fim_suf", "fim_mid")


def gguf_key(name: str) -> str:
    return f"tokenizer.ggml.{name}_token_id"


def find_tokens(vocabulary: dict[str, int]) -> dict[str, tuple[str, int]]:
    """Key name -> (text, id) for each entry of TOKEN_TEXTS with a text that is a token of `vocabulary`."""
    found: dict[str, tuple[str, int]] = {}
    for name, texts in TOKEN_TEXTS.items():
        for text in texts:
            if text in vocabulary:
                found[name] = (text, vocabulary[text])
                break
    return found
