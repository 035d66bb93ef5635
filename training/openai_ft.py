"""`spcopilot train openai`: fine-tune an OpenAI model on the prepared data (the official SDK).

1. build the upload files: from a prepared folder, the chat examples plus the FIM holes rendered
   as the server's hole-filler chat prompt (`hole_filler_messages`: a chat-only model is served
   with exactly that prompt); `--method dpo` uses the preference pairs in OpenAI's format. A
   JSONL file is taken as it is (our `meta` key stripped).
2. validate: record shapes, roles, at least one assistant answer, example and token limits;
   tokens are counted with tiktoken when it is installed (and its encoding is cached), otherwise
   estimated at 4 characters per token (said so in the output).
3. estimate the cost from the training tokens, the epochs and the price per million tokens;
4. upload, create the job (base model and suffix from the flags), poll with status lines until it
   ends (or `--no-wait`), keeping a job record JSON up to date.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from spcopilot.training.audit import read_jsonl
from spcopilot.training.errors import DatasetError, TrainingError
from spcopilot.training.staging import write_json, write_jsonl

# Training price in USD per million tokens, from OpenAI's pricing page (2025); --price overrides.
TRAINING_PRICE_PER_MILLION = {
    "gpt-4.1-2025-04-14": 25.0,
    "gpt-4.1-mini-2025-04-14": 5.0,
    "gpt-4.1-nano-2025-04-14": 1.5,
    "gpt-4o-2024-08-06": 25.0,
    "gpt-4o-mini-2024-07-18": 3.0,
}
MIN_EXAMPLES = 10
ROLES = frozenset({"system", "user", "assistant", "developer", "tool"})
TERMINAL = frozenset({"succeeded", "failed", "cancelled"})


@dataclass(slots=True)
class Validation:
    path: str
    examples: int = 0
    tokens: int = 0
    max_example_tokens: int = 0
    token_method: str = "estimated (4 characters per token)"
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "examples": self.examples,
            "tokens": self.tokens,
            "max_example_tokens": self.max_example_tokens,
            "token_count": self.token_method,
            "errors": self.errors[:50],
        }


def token_counter() -> tuple[Callable[[str], int], str]:
    """tiktoken's o200k_base when it can be loaded (it downloads its table once), else an estimate."""
    try:
        import tiktoken

        encoding = tiktoken.get_encoding("o200k_base")
        return (lambda text: len(encoding.encode(text, disallowed_special=()))), "tiktoken o200k_base"
    except Exception:  # not installed, or its table cannot be fetched offline
        return (lambda text: (len(text) + 3) // 4), "estimated (4 characters per token)"


# ---- building the upload files ---------------------------------------------------------------
def _messages_only(record: dict) -> dict:
    return {"messages": record["messages"]}


def _hole_filler(record: dict) -> dict:
    """A FIM hole as the server asks a chat-only model: its hole-filler prompt (with the context
    notes), the middle between the completion tags as the answer."""
    from spcopilot.server.ai.prompts.fim import COMPLETION_CLOSE, COMPLETION_OPEN
    from spcopilot.training.holes import serving_prompt

    prompt = serving_prompt(record, None, chat=True).messages
    answer = f"{COMPLETION_OPEN}{record['middle']}{COMPLETION_CLOSE}"
    return {
        "messages": [{"role": m.role, "content": m.content} for m in prompt]
        + [{"role": "assistant", "content": answer}]
    }


def _preference(record: dict) -> dict:
    if "input" in record:
        return {k: record[k] for k in ("input", "preferred_output", "non_preferred_output")}
    return {
        "input": {"messages": record["prompt"]},
        "preferred_output": record["chosen"],
        "non_preferred_output": record["rejected"],
    }


def upload_files(data: Path, method: str, work: Path, validation: Path | None) -> tuple[Path, Path | None]:
    """(training file, validation file or None) in OpenAI's format, written into `work`."""
    work.mkdir(parents=True, exist_ok=True)
    convert = _preference if method == "dpo" else None
    if data.is_dir():
        if method == "dpo":
            sources = {"train": [data / "dpo" / "train.jsonl"], "eval": [data / "dpo" / "eval.jsonl"]}
        else:
            sources = {
                "train": [data / "train" / "chat.jsonl", data / "train" / "fim.jsonl"],
                "eval": [data / "eval" / "chat.jsonl", data / "eval" / "holes.jsonl"],
            }
        if not sources["train"][0].is_file():
            raise DatasetError(f"{sources['train'][0]} is missing: is {data} a folder `spcopilot data prepare` wrote?")
    else:
        sources = {"train": [data], "eval": [validation] if validation else []}
    out: dict[str, Path | None] = {}
    for split, paths in sources.items():
        records = []
        for path in paths:
            if not path.is_file():
                continue
            for _, record in read_jsonl(path):
                if convert is not None:
                    records.append(convert(record))
                elif "messages" in record:
                    records.append(_messages_only(record))
                elif {"prefix", "suffix", "middle"} <= record.keys():
                    records.append(_hole_filler(record))
                else:
                    records.append(record)  # validation reports it
        target = work / f"openai-{method}-{split}.jsonl"
        out[split] = target if records else None
        if records:
            write_jsonl(target, records)
    train = out["train"]
    if train is None:
        raise DatasetError(f"{data}: no training examples found")
    return train, out["eval"]


# ---- validation -------------------------------------------------------------------------------
def _check_messages(messages: Any, where: str, errors: list[str], need_assistant: bool) -> str:
    if not isinstance(messages, list) or not messages:
        errors.append(f"{where}: `messages` must be a non-empty list")
        return ""
    text = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            errors.append(f"{where}: message {i} has no valid role ({', '.join(sorted(ROLES))})")
            continue
        if not isinstance(m.get("content"), str):
            errors.append(f"{where}: message {i} content must be a string")
            continue
        extra = set(m) - {"role", "content", "weight", "name"}
        if extra:
            errors.append(f"{where}: message {i} has unsupported keys {sorted(extra)}")
        text.append(m["content"])
    if need_assistant and not any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages):
        errors.append(f"{where}: no assistant message to learn from")
    return "\n".join(text)


def validate(path: Path, method: str, max_example_tokens: int) -> Validation:
    count, how = token_counter()
    report = Validation(str(path), token_method=how)
    for number, record in read_jsonl(path):
        where = f"{path.name}:{number}"
        report.examples += 1
        if method == "dpo":
            extra = set(record) - {"input", "preferred_output", "non_preferred_output"}
            if extra:
                report.errors.append(f"{where}: unsupported keys {sorted(extra)}")
            text = _check_messages((record.get("input") or {}).get("messages"), where, report.errors, False)
            for key in ("preferred_output", "non_preferred_output"):
                text += _check_messages(record.get(key), f"{where} {key}", report.errors, True)
        else:
            extra = set(record) - {"messages", "tools", "parallel_tool_calls"}
            if extra:
                report.errors.append(f"{where}: unsupported keys {sorted(extra)}")
            text = _check_messages(record.get("messages"), where, report.errors, True)
        tokens = count(text) + 4 * len(record.get("messages") or [])
        report.tokens += tokens
        report.max_example_tokens = max(report.max_example_tokens, tokens)
        if tokens > max_example_tokens:
            report.errors.append(f"{where}: about {tokens} tokens, over the {max_example_tokens}-token example limit")
    if report.examples < MIN_EXAMPLES:
        report.errors.append(f"{path.name}: {report.examples} examples; OpenAI needs at least {MIN_EXAMPLES}")
    return report


def estimate(tokens: int, epochs: int, model: str, price: float | None) -> dict[str, Any]:
    per_million = price if price is not None else TRAINING_PRICE_PER_MILLION.get(model)
    trained = tokens * epochs
    return {
        "training_tokens": trained,
        "epochs": epochs,
        "price_per_million": per_million,
        "usd": round(trained / 1e6 * per_million, 2) if per_million is not None else None,
        "price_source": "--price" if price is not None else ("built-in table (2025)" if per_million else "unknown"),
    }


# ---- the API ----------------------------------------------------------------------------------
def client(base_url: str | None) -> Any:
    try:
        import openai
    except ImportError:
        raise TrainingError("the openai package is not installed (pip install openai)") from None
    if not os.environ.get("OPENAI_API_KEY"):
        raise TrainingError("OPENAI_API_KEY is not set: export your OpenAI API key first")
    return openai.OpenAI(base_url=base_url or os.environ.get("OPENAI_BASE_URL") or None, max_retries=2)


def api_call(what: str, fn: Callable[[], Any]) -> Any:
    import openai

    try:
        return fn()
    except openai.AuthenticationError:
        raise TrainingError(f"{what}: OpenAI rejected the API key (check OPENAI_API_KEY)") from None
    except openai.APIStatusError as exc:
        raise TrainingError(f"{what}: the API answered {exc.status_code}: {exc.message}") from None
    except openai.APIConnectionError as exc:
        raise TrainingError(f"{what}: cannot reach the API ({exc})") from None


def _upload(api: Any, path: Path) -> Any:
    with path.open("rb") as handle:
        return api.files.create(file=handle, purpose="fine-tune")


def job_summary(job: Any) -> dict[str, Any]:
    fields = ("id", "model", "status", "fine_tuned_model", "trained_tokens", "training_file", "validation_file")
    out = {k: getattr(job, k, None) for k in fields}
    out["created_at"] = getattr(job, "created_at", None)
    out["finished_at"] = getattr(job, "finished_at", None)
    error = getattr(job, "error", None)
    out["error"] = getattr(error, "message", None) if error else None
    return out


def status_line(job: dict[str, Any]) -> str:
    line = f"{time.strftime('%H:%M:%S')} {job['id']}: {job['status']}"
    if job.get("trained_tokens"):
        line += f", {job['trained_tokens']} tokens trained"
    if job.get("fine_tuned_model"):
        line += f", model {job['fine_tuned_model']}"
    if job.get("error"):
        line += f", error: {job['error']}"
    return line


def poll(
    api: Any, record: dict[str, Any], record_path: Path | None, interval: float, out: Any = None
) -> dict[str, Any]:
    out = out or sys.stdout
    """Print a status line per change (and new job events) until the job ends."""
    seen: set[str] = set(record.get("events_seen", []))
    last = ""
    while True:
        job = job_summary(api_call("job status", lambda: api.fine_tuning.jobs.retrieve(record["job"]["id"])))
        events = api_call("job events", lambda: api.fine_tuning.jobs.list_events(record["job"]["id"], limit=20))
        for event in reversed(list(getattr(events, "data", []) or [])):
            if event.id not in seen:
                seen.add(event.id)
                print(f"  {event.message}", file=out)
        line = status_line(job)
        if job["status"] != last:
            print(line, file=out, flush=True)
            last = job["status"]
        record["job"] = job
        record["events_seen"] = sorted(seen)
        if record_path is not None:
            write_json(record_path, record)
        if job["status"] in TERMINAL:
            return record
        time.sleep(interval)


@dataclass(slots=True)
class OpenAIOptions:
    data: Path
    model: str
    suffix: str
    method: str = "supervised"
    validation: Path | None = None
    epochs: int = 3
    beta: float | None = None
    price: float | None = None
    max_example_tokens: int = 65_536
    dry_run: bool = False
    wait: bool = True
    poll_interval: float = 30.0
    record: Path | None = None
    base_url: str | None = None
    work_dir: Path | None = None


def run(options: OpenAIOptions, out: Any = None) -> dict[str, Any]:
    out = out or sys.stdout
    if not options.data.exists():
        raise DatasetError(f"{options.data}: no such file or folder")
    if not options.suffix or len(options.suffix) > 64:
        raise TrainingError("--suffix must be 1 to 64 characters (it becomes part of the model name)")
    work = options.work_dir or (options.data if options.data.is_dir() else options.data.parent) / "openai"
    train_file, eval_file = upload_files(options.data, options.method, work, options.validation)
    checks = [validate(train_file, options.method, options.max_example_tokens)]
    if eval_file is not None:
        checks.append(validate(eval_file, options.method, options.max_example_tokens))
    cost = estimate(checks[0].tokens, options.epochs, options.model, options.price)
    for v in checks:
        print(
            f"{v.path}: {v.examples} examples, {v.tokens} tokens ({v.token_method}), longest {v.max_example_tokens}",
            file=out,
        )
    usd = f"${cost['usd']:.2f}" if cost["usd"] is not None else "unknown (pass --price USD_PER_MILLION)"
    print(f"estimated cost: {cost['training_tokens']} training tokens ({options.epochs} epochs) = {usd}", file=out)
    problems = [e for v in checks for e in v.errors]
    if problems:
        listed = "\n".join(problems[:20])
        raise DatasetError(
            f"the upload files are not valid for OpenAI fine-tuning ({len(problems)} problem(s)):\n{listed}"
        )
    record: dict[str, Any] = {
        "base_model": options.model,
        "suffix": options.suffix,
        "method": options.method,
        "validation": [v.to_json() for v in checks],
        "estimate": cost,
    }
    if options.dry_run:
        print("dry run: nothing uploaded", file=out)
        return record
    api = client(options.base_url)
    uploaded = {}
    for split, path in (("training_file", train_file), ("validation_file", eval_file)):
        if path is not None:
            f = api_call(f"upload {path.name}", partial(_upload, api, path))
            uploaded[split] = f.id
            print(f"uploaded {path.name} as {f.id}", file=out)
    method: dict[str, Any] = {"type": options.method, options.method: {"hyperparameters": {"n_epochs": options.epochs}}}
    if options.method == "dpo" and options.beta is not None:
        method["dpo"]["hyperparameters"]["beta"] = options.beta
    job = api_call(
        "create the fine-tuning job",
        lambda: api.fine_tuning.jobs.create(model=options.model, suffix=options.suffix, method=method, **uploaded),
    )
    record["job"] = job_summary(job)
    record["base_url"] = options.base_url or os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1"
    record_path = options.record or work / f"job-{job.id}.json"
    record["record_path"] = str(record_path)
    write_json(record_path, record)
    print(f"created job {job.id} (record: {record_path})", file=out)
    print(status_line(record["job"]), file=out, flush=True)
    if options.wait:
        record = poll(api, record, record_path, options.poll_interval, out)
    return record


def _resolve(target: str) -> tuple[str, Path | None, dict[str, Any]]:
    """A job id, or a job record file: (job id, record path, record)."""
    path = Path(target)
    if path.is_file():
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            return str(record["job"]["id"]), path, record
        except (OSError, ValueError, KeyError, TypeError):
            raise TrainingError(f"{path} is not a job record written by `spcopilot train openai`") from None
    if not target.startswith("ftjob-"):
        raise TrainingError(f"{target}: neither a job record file nor a job id (ftjob-...)")
    return target, None, {"job": {"id": target}}


def status(target: str, wait: bool, interval: float, base_url: str | None, out: Any = None) -> dict[str, Any]:
    out = out or sys.stdout
    job_id, path, record = _resolve(target)
    api = client(base_url or record.get("base_url"))
    if wait:
        return poll(api, record, path, interval, out)
    job = job_summary(api_call("job status", lambda: api.fine_tuning.jobs.retrieve(job_id)))
    record["job"] = job
    if path is not None:
        write_json(path, record)
    print(status_line(job), file=out)
    return record


def cancel(target: str, base_url: str | None, out: Any = None) -> dict[str, Any]:
    out = out or sys.stdout
    job_id, path, record = _resolve(target)
    api = client(base_url or record.get("base_url"))
    job = job_summary(api_call("cancel the job", lambda: api.fine_tuning.jobs.cancel(job_id)))
    record["job"] = job
    if path is not None:
        write_json(path, record)
    print(status_line(job), file=out)
    return record
