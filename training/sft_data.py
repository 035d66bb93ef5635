"""The trainers' datasets, tokenized here so the loss covers exactly the answer.

- Chat examples: the model's own chat template renders the conversation; the loss covers the
  assistant's turn (the prompt's tokens are labelled -100).
- FIM holes: the server's own inline prompt (`build_inline_prompt`: its window, its context
  notes, the FIM template of the model's family, chosen from the tokenizer's FIM tokens as the
  llama.cpp backend chooses it), then the middle and the family's end-of-middle token: the model
  learns the serving format, byte for byte. A model without FIM tokens gets the server's
  prefix-only prompt.
- DPO pairs: the conversational prompt/chosen/rejected columns trl expects.

`datasets.map(num_proc=dataset_num_proc)` does the tokenizing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spcopilot.server.ai.prompts.fim import FAMILIES, FimFamily, candidate_tokens, family_for_tokens
from spcopilot.training.audit import read_jsonl
from spcopilot.training.errors import DatasetError, TrainingError
from spcopilot.training.holes import serving_prompt
from spcopilot.training.staging import sha256_file as sha256

IGNORE = -100


@dataclass(slots=True)
class DataInfo:
    files: dict[str, str] = field(default_factory=dict)  # path -> sha256
    counts: dict[str, int] = field(default_factory=dict)
    fim_family: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"files": self.files, "counts": self.counts, "fim_family": self.fim_family}


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


def tokenize_chat(record: dict, tokenizer: Any, max_length: int) -> dict[str, list[int]]:
    messages = record["messages"]
    prompt = _ids(tokenizer.apply_chat_template(messages[:-1], add_generation_prompt=True, tokenize=True))
    full = _ids(tokenizer.apply_chat_template(messages, tokenize=True))
    shared = 0
    while shared < min(len(prompt), len(full)) and prompt[shared] == full[shared]:
        shared += 1
    labels = [IGNORE] * shared + full[shared:]
    return {"input_ids": full[:max_length], "labels": labels[:max_length]}


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


def sft_datasets(
    data: Path, tokenizer: Any, max_length: int, include_fim: bool, family_name: str, num_proc: int
) -> tuple[Any, Any, DataInfo]:
    """(train, eval or None, what was read) as tokenized `datasets.Dataset`s."""
    import datasets

    info = DataInfo()
    family = fim_family(tokenizer, family_name) if include_fim else None
    info.fim_family = family.name if family else ("none (prefix only)" if include_fim else "not used")

    def build(chat: list[dict], holes: list[dict]) -> Any:
        parts = []
        procs = num_proc if len(chat) + len(holes) >= 64 else None
        if chat:
            ds = datasets.Dataset.from_list([{"messages": r["messages"]} for r in chat])
            parts.append(
                ds.map(
                    tokenize_chat,
                    fn_kwargs={"tokenizer": tokenizer, "max_length": max_length},
                    remove_columns=["messages"],
                    num_proc=procs,
                    desc="tokenizing chat examples",
                )
            )
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
        if not parts:
            return None
        return datasets.concatenate_datasets(parts).shuffle(seed=0)

    train_chat = read_records(data / "train" / "chat.jsonl", info, required=True)
    train_holes = read_records(data / "train" / "fim.jsonl", info, required=False) if include_fim else []
    eval_chat = read_records(data / "eval" / "chat.jsonl", info, required=False)
    eval_holes = read_records(data / "eval" / "holes.jsonl", info, required=False) if include_fim else []
    _check_shapes(train_chat + eval_chat, ("messages",))
    _check_shapes(train_holes + eval_holes, ("prefix", "suffix", "middle"))
    train = build(train_chat, train_holes)
    if train is None or len(train) == 0:
        raise DatasetError(f"{data}/train has no examples: nothing to train on")
    return train, build(eval_chat, eval_holes), info


def _check_shapes(records: list[dict], keys: Sequence[str]) -> None:
    for r in records:
        if not all(k in r for k in keys):
            raise DatasetError(f"a record lacks {', '.join(keys)}: {sorted(r)} (is this a prepared data folder?)")


def dpo_datasets(data: Path) -> tuple[Any, Any, DataInfo]:
    import datasets

    info = DataInfo()
    folder = data / "dpo"
    train = read_records(folder / "train.jsonl", info, required=True)
    evaluation = read_records(folder / "eval.jsonl", info, required=False)
    _check_shapes(train + evaluation, ("prompt", "chosen", "rejected"))
    if not train:
        raise DatasetError(f"{folder}/train.jsonl has no pairs: nothing to train on")

    def build(records: list[dict]) -> Any:
        rows = [{k: r[k] for k in ("prompt", "chosen", "rejected")} for r in records]
        return datasets.Dataset.from_list(rows) if rows else None

    return build(train), build(evaluation), info
