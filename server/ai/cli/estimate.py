"""`spcopilot estimate PROMPTS`: tokens and cost before spending anything.

Prompt tokens are the messages `generate` would send (the system prompt included), counted by the
model's own tokenizer when the backend is local and has one (llamacpp), by tiktoken when it is
installed (OpenAI models), otherwise estimated at 4 bytes a token; the output says which. Output
length is assumed (`--expected-output-tokens`, default 800, capped by --max-tokens). A guard repair
round, when one runs, is one more request and is not counted.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass

from spcopilot.diagnostics.errors import ConfigError
from spcopilot.server.ai.backends.base import Backend, Usage
from spcopilot.server.ai.backends.none import NoBackend
from spcopilot.server.ai.cli import flags
from spcopilot.server.ai.cli.prompts_file import read_prompts
from spcopilot.server.ai.config import AISettings, create_backend
from spcopilot.server.ai.cost import LOCAL_BACKENDS, Price, price_of
from spcopilot.server.ai.prompts import tasks
from spcopilot.server.ai.prompts.system import system_prompt_for

PER_MESSAGE = 4  # chat-format tokens around each message (role, separators)
PER_REPLY = 3  # the assistant header that primes the answer
ESTIMATE = "estimate: 4 bytes a token"


@dataclass(frozen=True, slots=True)
class Counter:
    count: Callable[[str], int]
    method: str


def token_counter(settings: AISettings) -> tuple[Counter, Backend | None]:
    """The most exact counter available without spending anything."""
    if settings.backend in LOCAL_BACKENDS and settings.backend != "none":
        backend = create_backend(settings)
        if type(backend).count_tokens is not Backend.count_tokens:
            return Counter(backend.count_tokens, f"the model's tokenizer ({backend.model})"), backend
        return Counter(backend.count_tokens, ESTIMATE), backend
    if settings.backend == "openai" or settings.model:
        found = tiktoken_counter(settings.model)
        return found or Counter(NoBackend().count_tokens, f"{ESTIMATE} (tiktoken is not installed)"), None
    return Counter(NoBackend().count_tokens, ESTIMATE), None


def tiktoken_counter(model: str) -> Counter | None:
    try:
        import tiktoken
    except ImportError:
        return None
    try:
        try:
            encoding = tiktoken.encoding_for_model(model.removeprefix("ft:").split(":")[0])
        except KeyError:
            encoding = tiktoken.get_encoding("o200k_base")
    except Exception as exc:  # tiktoken downloads its tables on first use: offline it cannot
        return Counter(
            NoBackend().count_tokens, f"{ESTIMATE} (tiktoken could not load its tables: {type(exc).__name__})"
        )
    return Counter(lambda text: len(encoding.encode(text, disallowed_special=())), f"tiktoken ({encoding.name})")


def pricing(settings: AISettings) -> tuple[str, Price]:
    """The backend whose price applies: with no backend configured but a model named, OpenAI's."""
    backend = "openai" if settings.backend == "none" and settings.model else settings.backend
    return backend, price_of(settings.model, backend, settings.prices)


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    prompt_tokens: int
    output_tokens: int
    usd: float
    batch_usd: float


def estimate_rows(
    args: argparse.Namespace, settings: AISettings, counter: Counter, price: Price, system: str | None = None
) -> list[Row]:
    """`system`: the system prompt the model would get (sized to a loaded local model); the full one by default."""
    system_message = tasks.plugin_messages("", system=system)[0]
    system_tokens = counter.count(system_message.content) + PER_MESSAGE
    output = min(args.expected_output_tokens, settings.max_tokens)
    rows = []
    for item in read_prompts(args.prompts):
        user = tasks.plugin_messages(item.prompt)[1]
        usage = Usage(system_tokens + counter.count(user.content) + PER_MESSAGE + PER_REPLY, output)
        rows.append(Row(item.id, usage.prompt_tokens, output, price.cost(usage), price.cost(usage, batch=True)))
    return rows


def run_estimate(args: argparse.Namespace) -> int:
    if args.expected_output_tokens < 0:
        raise ConfigError("--expected-output-tokens must be 0 or more")
    read_prompts(args.prompts)  # the file's problems before a model is loaded
    settings = flags.resolve(args).settings
    pricing_backend, price = pricing(settings)
    counter, backend = token_counter(settings)
    try:
        system = system_prompt_for(backend.parameters, backend.context_window) if backend is not None else None
        rows = estimate_rows(args, settings, counter, price, system)
    finally:
        if backend is not None:
            backend.close()
    total = Row(
        "total",
        sum(r.prompt_tokens for r in rows),
        sum(r.output_tokens for r in rows),
        sum(r.usd for r in rows),
        sum(r.batch_usd for r in rows),
    )
    model = settings.model or (backend.model if backend else "")
    if args.json:
        print(
            json.dumps(
                {
                    "model": model,
                    "backend": pricing_backend,
                    "counted_by": counter.method,
                    "price": {"input": price.input, "output": price.output, "known": price.known},
                    "expected_output_tokens": min(args.expected_output_tokens, settings.max_tokens),
                    "prompts": [asdict(r) for r in rows],
                    "total": asdict(total) | {"prompts": len(rows)},
                },
                indent=2,
            )
        )
        return 0
    print(_header(model, pricing_backend, price))
    print(f"tokens counted by: {counter.method}")
    print(f"assumed output: {rows[0].output_tokens} tokens a prompt (--expected-output-tokens)\n")
    money = _money if price.known else (lambda _: "?")
    width = max(len(r.id) for r in [*rows, total])
    print(f"{'id':<{width}}  {'prompt':>7}  {'output':>7}  {'cost':>9}  {'batch':>9}")
    for r in [*rows, total]:
        print(
            f"{r.id:<{width}}  {r.prompt_tokens:>7}  {r.output_tokens:>7}  {money(r.usd):>9}  {money(r.batch_usd):>9}"
        )
    print(f"\n{len(rows)} prompts; not counted: a guard repair round, when one runs, is one more request")
    return 0


def _header(model: str, backend: str, price: Price) -> str:
    if backend == "none":
        return "no AI backend: nothing would be sent or charged (--model prices the prompts for OpenAI)"
    if backend in LOCAL_BACKENDS:
        return f"model: {model or '(none)'} ({backend}): local, costs nothing"
    if not price.known:
        return (
            f"model: {model} ({backend}): no known price; add it to the `prices` setting "
            "([ai.prices] in .spcopilot.toml)"
        )
    return (
        f"model: {model} ({backend}): ${price.input:g} in / ${price.output:g} out per million tokens; "
        "Batch API (--openai-batch): half"
    )


def _money(usd: float) -> str:
    return f"${usd:.4f}"
