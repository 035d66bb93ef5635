"""The trainers' datasets, tokenized here so the loss covers exactly the answer.

- Chat examples: the model's own chat template renders the conversation; the loss covers the
  assistant's turn (the prompt's tokens are labelled -100). `data prepare` writes the server's
  full system prompt; the server gives a small model (under 1B parameters, or a narrow window) its
  compact one instead (`system_prompt_for`), so the trainer swaps it in: the model learns with the
  prompt it will be served with. An example longer than `max_length` is left out whole (counted as
  `chat_too_long`), never cut: a cut answer teaches plugins that stop mid-function. A set where
  more than `max_truncated_share` (2 %) of the examples are that long is refused before anything
  is tokenized for training (`sizing.chat_truncation` with the model's own template and the
  served system prompt, then `sizing.check_truncation`): the data was prepared for a longer
  sequence (`data prepare --max-tokens`), and leaving that much out would quietly skew the set.
- FIM holes: the server's own inline prompt (`build_inline_prompt`: its window, its context
  notes, the FIM template of the model's family, chosen from the tokenizer's FIM tokens as the
  llama.cpp backend chooses it), then the middle and the family's end-of-middle token: the model
  learns the serving format, byte for byte. A model without FIM tokens gets the server's
  prefix-only prompt.
- Plugin sources (`include_files`): the sanitised files of `train/files.jsonl` as plain code, cut
  into windows of `max_length` tokens, the loss on every token (continued pretraining: what a
  base that has seen little SourcePawn needs most, and what a prefix-only model is served with).
  The held-out repositories' files (`eval/files.jsonl`) join the evaluation set, so the eval loss
  includes the perplexity of held-out code.
- DPO pairs: the conversational prompt/chosen/rejected columns trl expects.

`datasets.map(num_proc=dataset_num_proc)` does the tokenizing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spcopilot.server.ai.inline.prompt import estimate_tokens
from spcopilot.server.ai.prompts.fim import FAMILIES, FimFamily, candidate_tokens, family_for_tokens
from spcopilot.server.ai.prompts.system import system_prompt
from spcopilot.training.audit import read_jsonl
from spcopilot.training.errors import DatasetError, TrainingError
from spcopilot.training.holes import serving_prompt
from spcopilot.training.sizing import DEFAULT_MAX_TRUNCATED_SHARE, chat_truncation, check_truncation
from spcopilot.training.staging import sha256_file as sha256

IGNORE = -100


@dataclass(slots=True)
class DataInfo:
    files: dict[str, str] = field(default_factory=dict)  # path -> sha256
    counts: dict[str, int] = field(default_factory=dict)
    fim_family: str = ""
    system_prompt: str = "as written"  # "compact": the server's prompt for a small model was swapped in
    left_out: dict[str, int] = field(default_factory=dict)  # e.g. chat_too_long: examples left out whole
    truncation: dict[str, dict[str, object]] = field(default_factory=dict)  # chat file -> sizing.Truncation
    other_system_prompt: int = 0  # chat examples whose system message is not this version's server prompt

    def to_json(self) -> dict[str, Any]:
        return {"files": self.files, "counts": self.counts, "fim_family": self.fim_family,
                "system_prompt": self.system_prompt, "other_system_prompt": self.other_system_prompt,
                "left_out": self.left_out, "truncation": self.truncation}  # fmt: skip


def serving_messages(messages: list[dict], system: str | None) -> list[dict]:
    """The conversation with the system prompt the server gives this model: the server's full prompt
    (what `data prepare` writes) becomes `system`; any other system message stays as it is."""
    if system is None or not messages or messages[0].get("role") != "system":
        return messages
    if messages[0].get("content") != system_prompt():
        return messages
    return [{"role": "system", "content": system}, *messages[1:]]


def read_records(path: Path, info: DataInfo, required: bool) -> list[dict]:
    if not path.is_file():
        if required:
            raise DatasetError(f"{path} is missing: run `spcopilot data prepare` (and `data dpo` for DPO) first")
        return []
    info.files[str(path)] = sha256(path)
    records = [r for _, r in read_jsonl(path)]
    info.counts[path.parent.name + "/" + path.name] = len(records)
    return records


def fim_family(tokenizer: Any, wanted: str) -> FimFamily | None:
    """The FIM family the server would use with this tokenizer (or the configured one)."""
    if wanted == "none":
        return None
    if wanted != "auto":
        if wanted not in FAMILIES:
            raise TrainingError(f"sft.fim_family {wanted!r}: use auto, none or one of {', '.join(FAMILIES)}")
        return FAMILIES[wanted]

    def single(token: str) -> bool:
        return len(tokenizer.encode(token, add_special_tokens=False)) == 1

    return family_for_tokens(t for t in candidate_tokens() if single(t))


def fim_prompt(family: FimFamily | None, record: dict) -> tuple[str, str]:
    """(prompt, end-of-middle text): the server's own inline prompt for this hole, and the
    family's end-of-middle token (empty for a prefix-only model: the tokenizer's EOS ends it)."""
    return serving_prompt(record, family).prompt, family.stops[0] if family is not None else ""


def _ids(encoded: Any) -> list[int]:
    if isinstance(encoded, dict) or hasattr(encoded, "keys"):
        return list(encoded["input_ids"])
    return list(encoded)


def tokenize_chat(record: dict, tokenizer: Any, max_length: int, system: str | None = None) -> dict[str, list[int]]:
    """Input ids and labels (the assistant's turn); both empty when the example is longer than max_length."""
    messages = serving_messages(record["messages"], system)
    prompt = _ids(tokenizer.apply_chat_template(messages[:-1], add_generation_prompt=True, tokenize=True))
    full = _ids(tokenizer.apply_chat_template(messages, tokenize=True))
    shared = 0
    while shared < min(len(prompt), len(full)) and prompt[shared] == full[shared]:
        shared += 1
    labels = [IGNORE] * shared + full[shared:]
    if len(full) > max_length:
        return {"input_ids": [], "labels": []}
    return {"input_ids": full, "labels": labels}


def check_chat_lengths(
    chat: list[dict], tokenizer: Any, max_length: int, system: str | None, name: str, max_share: float, info: DataInfo
) -> None:
    """Measure the chat examples as the trainer will see them (the model's chat template, the served
    system prompt) and refuse the set when more than `max_share` of them are longer than `max_length`."""
    if not chat:
        return
    served = ({"messages": serving_messages(r["messages"], system)} for r in chat)
    report = chat_truncation(served, tokenizer, max_length)
    info.truncation[name] = report.to_json()
    try:
        check_truncation(report, max_share, name)
    except DatasetError as refused:
        if system is None or system == system_prompt():
            raise
        raise DatasetError(
            f"{refused}. Note: `data prepare --max-tokens` counts estimated tokens with the full system prompt "
            f"(~{estimate_tokens(system_prompt())} of them) unless it ran with `--system-prompt compact`, the prompt "
            "this model is trained and served with, and SmolLM2's tokenizer counts ~1.25 times the estimate on code: "
            "training/README.md has the values for the shipped CPU config"
        ) from None


def tokenize_fim(row: dict, tokenizer: Any, family: FimFamily | None, max_length: int) -> dict[str, list[int]]:
    record = json.loads(row["hole"]) if "hole" in row else row
    prompt, end = fim_prompt(family, record)
    prompt_ids = _ids(tokenizer(prompt, add_special_tokens=True))
    answer = record["middle"] + (end or tokenizer.eos_token or "")
    answer_ids = _ids(tokenizer(answer, add_special_tokens=False))
    # Keep the end of a long prompt (the code right before the hole) and all of the answer we can.
    room = max(1, max_length - len(answer_ids))
    prompt_ids = prompt_ids[-room:]
    ids = (prompt_ids + answer_ids)[:max_length]
    labels = ([IGNORE] * len(prompt_ids) + answer_ids)[:max_length]
    return {"input_ids": ids, "labels": labels}


def tokenize_files(
    batch: dict[str, list], tokenizer: Any, max_length: int, max_windows: int = 0
) -> dict[str, list[list[int]]]:
    """Each source as windows of at most `max_length` tokens (the last one shorter), the first
    `max_windows` of them (0: all); loss on every token. A window of fewer than 16 tokens (a file's
    tail) is dropped: too little to learn from."""
    inputs: list[list[int]] = []
    for text in batch["text"]:
        ids = _ids(tokenizer(text, add_special_tokens=False))
        if tokenizer.eos_token_id is not None:
            ids.append(tokenizer.eos_token_id)
        windows = [ids[at : at + max_length] for at in range(0, len(ids), max_length) if len(ids) - at >= 16]
        inputs += windows[:max_windows] if max_windows > 0 else windows
    return {"input_ids": inputs, "labels": [list(ids) for ids in inputs]}


def sft_datasets(
    data: Path,
    tokenizer: Any,
    max_length: int,
    include_fim: bool,
    family_name: str,
    num_proc: int,
    include_files: bool = False,
    seed: int = 0,
    system: str | None = None,
    files_max_windows: int = 0,
    max_truncated_share: float = DEFAULT_MAX_TRUNCATED_SHARE,
    plugin_repeats: int = 1,
) -> tuple[Any, Any, DataInfo]:
    """(train, eval or None, what was read) as tokenized `datasets.Dataset`s; `system`: the system
    prompt the server gives this model, swapped in for the full one. A chat set (train or eval) with
    more than `max_truncated_share` of its examples over `max_length` raises DatasetError.
    `plugin_repeats`: each whole-plugin example (a request answered with the complete plugin, meta
    kind "plugin") appears this many times in the training set (the evaluation set keeps one)."""
    import datasets

    info = DataInfo()
    if system is not None and system != system_prompt():
        info.system_prompt = "compact"
    family = fim_family(tokenizer, family_name) if include_fim else None
    info.fim_family = family.name if family else ("none (prefix only)" if include_fim else "not used")

    def build(split: str, chat: list[dict], holes: list[dict], files: list[dict]) -> Any:
        parts = []
        procs = num_proc if len(chat) + len(holes) + len(files) >= 64 else None
        if chat:
            ds = datasets.Dataset.from_list([{"messages": r["messages"]} for r in chat])
            tokenized = ds.map(
                tokenize_chat,
                fn_kwargs={"tokenizer": tokenizer, "max_length": max_length, "system": system},
                remove_columns=["messages"],
                num_proc=procs,
                desc="tokenizing chat examples",
            )
            fitting = tokenized.filter(lambda row: len(row["input_ids"]) > 0, desc="chat examples that fit")
            key = f"{split}/chat_too_long"
            info.left_out[key] = info.left_out.get(key, 0) + len(tokenized) - len(fitting)
            parts.append(fitting)
        if holes:
            rows = [{"hole": json.dumps(r)} for r in holes]  # records keep their nested context as is
            ds = datasets.Dataset.from_list(rows)
            parts.append(
                ds.map(
                    tokenize_fim,
                    fn_kwargs={"tokenizer": tokenizer, "family": family, "max_length": max_length},
                    remove_columns=["hole"],
                    num_proc=procs,
                    desc="tokenizing FIM holes",
                )
            )
        if files:
            ds = datasets.Dataset.from_list([{"text": r["text"]} for r in files])
            parts.append(
                ds.map(
                    tokenize_files,
                    batched=True,
                    fn_kwargs={"tokenizer": tokenizer, "max_length": max_length, "max_windows": files_max_windows},
                    remove_columns=["text"],
                    num_proc=procs,
                    desc="tokenizing plugin sources",
                )
            )
        if not parts:
            return None
        return datasets.concatenate_datasets(parts).shuffle(seed=seed)

    train_chat = read_records(data / "train" / "chat.jsonl", info, required=True)
    if plugin_repeats > 1:
        whole = [r for r in train_chat if r.get("meta", {}).get("kind") == "plugin"]
        train_chat += whole * (plugin_repeats - 1)
        info.counts["train/whole_plugins_repeated"] = len(whole) * (plugin_repeats - 1)
    train_holes = read_records(data / "train" / "fim.jsonl", info, required=False) if include_fim else []
    eval_chat = read_records(data / "eval" / "chat.jsonl", info, required=False)
    eval_holes = read_records(data / "eval" / "holes.jsonl", info, required=False) if include_fim else []
    train_files = read_records(data / "train" / "files.jsonl", info, required=True) if include_files else []
    eval_files = read_records(data / "eval" / "files.jsonl", info, required=False) if include_files else []
    _check_shapes(train_chat + eval_chat, ("messages",))
    _check_shapes(train_holes + eval_holes, ("prefix", "suffix", "middle"))
    _check_shapes(train_files + eval_files, ("text",))
    for name, chat in (("train/chat.jsonl", train_chat), ("eval/chat.jsonl", eval_chat)):
        check_chat_lengths(chat, tokenizer, max_length, system, name, max_truncated_share, info)
    info.other_system_prompt = sum(1 for r in train_chat + eval_chat if _other_system_prompt(r["messages"], system))
    train = build("train", train_chat, train_holes, train_files)
    if train is None or len(train) == 0:
        raise DatasetError(f"{data}/train has no examples: nothing to train on")
    return train, build("eval", eval_chat, eval_holes, eval_files), info


def _other_system_prompt(messages: list[dict], system: str | None) -> bool:
    """A system message that is neither the server's full prompt nor the one swapped in: data prepared
    by another version (its prompt is not swapped) or written by hand."""
    if not messages or messages[0].get("role") != "system":
        return False
    return messages[0].get("content") not in (system_prompt(), system)


def _check_shapes(records: list[dict], keys: Sequence[str]) -> None:
    for r in records:
        if not all(k in r for k in keys):
            raise DatasetError(f"a record lacks {', '.join(keys)}: {sorted(r)} (is this a prepared data folder?)")


def dpo_datasets(data: Path, system: str | None = None) -> tuple[Any, Any, DataInfo]:
    import datasets

    info = DataInfo()
    if system is not None and system != system_prompt():
        info.system_prompt = "compact"
    folder = data / "dpo"
    train = read_records(folder / "train.jsonl", info, required=True)
    evaluation = read_records(folder / "eval.jsonl", info, required=False)
    _check_shapes(train + evaluation, ("prompt", "chosen", "rejected"))
    if not train:
        raise DatasetError(f"{folder}/train.jsonl has no pairs: nothing to train on")

    def build(records: list[dict]) -> Any:
        rows = [
            {"prompt": serving_messages(r["prompt"], system) if isinstance(r["prompt"], list) else r["prompt"]}
            | {k: r[k] for k in ("chosen", "rejected")}
            for r in records
        ]
        return datasets.Dataset.from_list(rows) if rows else None

    return build(train), build(evaluation), info
