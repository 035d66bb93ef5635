"""`spcopilot batch --openai-batch` and `--collect DIR`: the OpenAI Batch API (half price,
answered within 24 hours).

Submit: one /v1/chat/completions request per prompt (custom_id = the prompt's id, the same
messages as `generate`) in a JSONL uploaded with purpose "batch", one batch job
(completion_window "24h"), and DIR/batch.json (job id, input file id, model, server, prompts;
never the key). Collect: the job's status; once it has ended, its output file is downloaded,
every answer goes through the guard (the repair round, unless --no-repair, is a normal request
at the normal price) and DIR gets the same `<id>.sp` and results.jsonl as a local batch.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from spcopilot.diagnostics.errors import ConfigError, InputError
from spcopilot.server.ai.backends.base import BackendError, Completion, Usage
from spcopilot.server.ai.cli import flags
from spcopilot.server.ai.cli.atomic_write import write_atomic
from spcopilot.server.ai.cli.batch_results import ResultsFolder
from spcopilot.server.ai.cli.batch_summary import finish
from spcopilot.server.ai.cli.interrupt import EXIT_INTERRUPTED
from spcopilot.server.ai.cli.prompts_file import PromptItem
from spcopilot.server.ai.config import AISettings
from spcopilot.server.ai.prompts import tasks
from spcopilot.server.ai.service import Copilot, GenerationResult

ENDPOINT = "/v1/chat/completions"
STATE = "batch.json"
MAX_REQUESTS = 50_000  # the Batch API's limit per job
ENDED = frozenset({"completed", "failed", "expired", "cancelled"})
DEFAULT_BASE_URL = "https://api.openai.com/v1"


def request_line(item: PromptItem, settings: AISettings) -> dict[str, object]:
    body = {
        "model": settings.model,
        "messages": [m.to_json() for m in tasks.plugin_messages(item.prompt)],
        "max_tokens": settings.max_tokens,
        "temperature": settings.temperature,
    }
    return {"custom_id": item.id, "method": "POST", "url": ENDPOINT, "body": body}


def submit(args: argparse.Namespace, resolved: flags.Resolved, todo: list[PromptItem], folder: ResultsFolder) -> int:
    settings = resolved.settings
    if settings.backend != "openai" or not settings.model:
        raise ConfigError(
            "--openai-batch sends the prompts to OpenAI's Batch API: use it with the openai backend and a "
            f"model (--model gpt-4o-mini or your ft:… id); the backend now is {settings.backend!r}"
        )
    state_path = folder.folder / STATE
    if state_path.exists():
        state = read_state(state_path)
        if not state.get("collected"):
            raise InputError(
                f"{folder.folder} has a batch job not collected yet ({state.get('batch_id')}): "
                f"spcopilot batch --collect {folder.folder}"
            )
    if not todo:
        print("nothing to submit: every prompt is already in results.jsonl", file=sys.stderr)
        return 0
    if len(todo) > MAX_REQUESTS:
        raise InputError(f"{len(todo)} prompts: a Batch API job takes at most {MAX_REQUESTS}; split PROMPTS")
    data = "".join(json.dumps(request_line(item, settings), ensure_ascii=False) + "\n" for item in todo)
    client, base_url = make_client(settings)
    with api_errors(base_url):
        uploaded = client.with_options(timeout=max(settings.timeout, 600.0)).files.create(
            file=("spcopilot-batch.jsonl", data.encode("utf-8"), "application/jsonl"), purpose="batch"
        )
        job = client.batches.create(
            input_file_id=uploaded.id,
            endpoint=ENDPOINT,
            completion_window="24h",
            metadata={"created_by": "spcopilot batch"},
        )
    state = {
        "batch_id": job.id,
        "input_file_id": uploaded.id,
        "status": job.status,
        "endpoint": ENDPOINT,
        "model": settings.model,
        "base_url": base_url,
        "max_tokens": settings.max_tokens,
        "temperature": settings.temperature,
        "submitted_at": int(time.time()),
        "prompts": [{"id": item.id, "prompt": item.prompt} for item in todo],
        "collected": False,
    }
    write_atomic(state_path, json.dumps(state, indent=2, ensure_ascii=False) + "\n")
    if args.json:
        print(json.dumps({k: v for k, v in state.items() if k != "prompts"} | {"requests": len(todo)}, indent=2))
    print(
        f"submitted {len(todo)} prompts as batch {job.id} ({job.status}) to {base_url}; the Batch API answers "
        f"within 24 h at half price.\ncollect with: spcopilot batch --collect {folder.folder} [--wait]",
        file=sys.stderr,
    )
    return 0


def collect(args: argparse.Namespace) -> int:
    if not args.collect.is_dir():
        raise InputError(f"--collect {args.collect}: no such folder")
    folder = ResultsFolder(args.collect)
    folder.drop_unreadable()
    state_path = folder.folder / STATE
    state = read_state(state_path)
    resolved = flags.resolve(args)
    settings = replace(resolved.settings, backend="openai", model=str(state["model"]), base_url=str(state["base_url"]))
    client, base_url = make_client(settings)
    items = [PromptItem(str(p["id"]), str(p["prompt"]), n) for n, p in enumerate(state["prompts"], 1)]
    while True:
        with api_errors(base_url):
            job = client.batches.retrieve(str(state["batch_id"]))
        counts = job.request_counts
        progress = f" ({counts.completed}/{counts.total} requests done)" if counts else ""
        if job.status in ENDED:
            break
        print(f"batch {job.id}: {job.status}{progress}", file=sys.stderr, flush=True)
        if not args.wait:
            print(
                f"not finished; run `spcopilot batch --collect {folder.folder}` again later (or add --wait)",
                file=sys.stderr,
            )
            if args.json:
                print(json.dumps({"batch_id": job.id, "status": job.status}))
            return 0
        try:
            time.sleep(max(1.0, args.poll_interval))
        except KeyboardInterrupt:
            print(f"stopped waiting; the job goes on at {base_url}: collect it later", file=sys.stderr)
            return EXIT_INTERRUPTED
    if job.status == "failed" and not job.output_file_id:
        state.update(status=job.status, collected=True)  # nothing to collect: a new job may be submitted
        write_atomic(state_path, json.dumps(state, indent=2, ensure_ascii=False) + "\n")
        errors = "; ".join(f"{e.code}: {e.message}" for e in (job.errors.data or [])) if job.errors else ""
        raise BackendError(f"batch {job.id} failed{': ' + errors if errors else ''}")
    copilot = Copilot(settings, resolved.config)
    try:
        generated, failures = _guard_outputs(client, base_url, job, items, folder, copilot, not args.no_repair)
    finally:
        copilot.close()
    state.update(status=job.status, collected=True, collected_at=int(time.time()))
    write_atomic(state_path, json.dumps(state, indent=2, ensure_ascii=False) + "\n")
    error = ""
    if failures:
        shown = "; ".join(f"{k}: {v}" for k, v in list(failures.items())[:5])
        error = f"{len(failures)} request(s) not answered ({shown})"
    if job.status != "completed":
        error = error or f"the batch ended {job.status}"
    retry = "submit the rest again with the same `spcopilot batch PROMPTS --output DIR --openai-batch` command"
    return finish(args, items, folder, generated, 0, error, False, copilot.ledger.to_json(), retry)


def _guard_outputs(
    client: Any,
    base_url: str,
    job: Any,
    items: list[PromptItem],
    folder: ResultsFolder,
    copilot: Copilot,
    repair: bool,
) -> tuple[int, dict[str, str]]:
    by_id = {item.id: item for item in items}
    done = folder.done_ids()
    failures: dict[str, str] = {}
    generated = 0
    for row in _jsonl(client, base_url, job.error_file_id) + _jsonl(client, base_url, job.output_file_id):
        cid = str(row.get("custom_id"))
        item = by_id.get(cid)
        if item is None or cid in done:
            continue
        response = row.get("response") or {}
        body = response.get("body") or {}
        if row.get("error") or response.get("status_code") != 200 or not body.get("choices"):
            error = row.get("error") or body.get("error") or {}
            failures[cid] = str(error.get("message") if isinstance(error, dict) else error) or "no answer"
            continue
        failures.pop(cid, None)
        choice = body["choices"][0]
        usage = body.get("usage") or {}
        completion = Completion(
            (choice.get("message") or {}).get("content") or "",
            Usage(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)),
            choice.get("finish_reason") or "stop",
            body.get("model") or copilot.settings.model,
        )
        folder.record(item, guarded(copilot, completion, f"{cid}.sp", repair), batch_api=True)
        done.add(cid)
        generated += 1
    for item in items:
        if item.id not in done and item.id not in failures:
            failures[item.id] = "no answer in the job's output"
    return generated, failures


def guarded(copilot: Copilot, completion: Completion, path: str, repair: bool) -> GenerationResult:
    """A Batch API answer through the guard, priced at the batch rate (a repair round, if one
    runs, is a normal request at the normal price)."""
    return copilot.guard_answer(completion, path, repair, batch=True)


def _jsonl(client: Any, base_url: str, file_id: str | None) -> list[dict[str, Any]]:
    if not file_id:
        return []
    with api_errors(base_url):
        text = client.files.content(file_id).text
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                raise BackendError(f"{base_url}: line {number} of file {file_id} is not JSON") from None
            if isinstance(row, dict):
                rows.append(row)
    return rows


def read_state(path: Path) -> dict[str, Any]:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"no {STATE} in {path.parent}: submit a job first (spcopilot batch PROMPTS "
            f"--output {path.parent} --openai-batch)"
        ) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    if not isinstance(state, dict) or not {"batch_id", "model", "base_url", "prompts"} <= set(state):
        raise InputError(f"{path} is not a batch.json written by spcopilot")
    return state


def make_client(settings: AISettings) -> tuple[Any, str]:
    """An OpenAI client with the backend's settings; the key only from OPENAI_API_KEY."""
    import openai

    base_url = settings.base_url or DEFAULT_BASE_URL
    key = settings.api_key or os.environ.get("OPENAI_API_KEY") or ("none" if settings.base_url else "")
    if not key:
        raise BackendError("the OpenAI Batch API needs a key: set OPENAI_API_KEY")
    client = openai.OpenAI(api_key=key, base_url=base_url, timeout=settings.timeout, max_retries=settings.max_retries)
    return client, base_url


@contextlib.contextmanager
def api_errors(base_url: str, model: str = "", timeout_s: float = 30.0) -> Iterator[None]:
    """The SDK's exceptions as the backend words them (never with the key in them)."""
    import openai
    from spcopilot.server.ai.backends.openai_backend import explain_error, scrub

    try:
        yield
    except openai.APIError as exc:
        raise BackendError(
            scrub(explain_error(exc, base_url, model, timeout_s), os.environ.get("OPENAI_API_KEY"))
        ) from None
