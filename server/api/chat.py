"""/v1/chat/completions without HTTP: OpenAI's request in, the copilot's chat out, in OpenAI's
shapes (a `chat.completion`, or `chat.completion.chunk`s for a stream).

The guard, as in `spcopilot chat`: every SourcePawn code block of an answer goes through the
engine's safe fixes (no model repair round in chat). Both ways of answering deliver the same
guarded text: without streaming, the answer is guarded whole; streaming, prose is sent as it
arrives and each code block once it is complete and guarded (`GuardedStream`), so unguarded
code never leaves the server. What the guard did is in the extension field `spcopilot` (the
answer, or the stream's last chunk).

Our system prompt (the knowledge base's facts about the real API) comes first; the client's
system messages follow it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from spcopilot.server.ai.backends.base import CancelToken, Completion, Message
from spcopilot.server.ai.cli.chat import GuardedStream, guard_answer
from spcopilot.server.ai.guard import GuardResult
from spcopilot.server.ai.prompts.system import system_prompt
from spcopilot.server.ai.service import Copilot
from spcopilot.server.api.answers import guard_report
from spcopilot.server.api.schemas import ChatCompletionRequest

ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}


@dataclass(slots=True)
class ChatAnswer:
    text: str  # the guarded answer
    completion: Completion  # the model's own (usage, finish reason, model)
    blocks: list[GuardResult]
    cost_usd: float
    cost_text: str


@dataclass(frozen=True, slots=True)
class ChatCall:
    """One chat request as the service takes it."""

    messages: tuple[Message, ...]
    model: str  # the backend's: what every chunk and the answer name
    max_tokens: int | None = None
    temperature: float | None = None
    stop: tuple[str, ...] = ()
    id: str = field(default_factory=lambda: f"chatcmpl-{uuid.uuid4().hex[:24]}")
    created: int = field(default_factory=lambda: int(time.time()))


def chat_call(
    request: ChatCompletionRequest, model: str, max_tokens: int | None, system: str | None = None
) -> ChatCall:
    """`system`: the system prompt sized to the model (Copilot.system_prompt()); the full one by default."""
    messages = [Message("system", system or system_prompt())]
    messages += [Message(ROLES[m.role], m.text()) for m in request.messages]
    return ChatCall(tuple(messages), model, max_tokens, request.temperature, request.stops())


def answer(copilot: Copilot, call: ChatCall, cancel: CancelToken) -> ChatAnswer:
    """The whole answer, guarded (blocking)."""
    completion, cost, cost_text = copilot.run_chat(call.messages, cancel, None, call.max_tokens, call.temperature,
                                                   call.stop)  # fmt: skip
    guarded = guard_answer(completion.text, copilot.config)
    return ChatAnswer(guarded.text, completion, guarded.blocks, cost, cost_text)


def answer_streaming(copilot: Copilot, call: ChatCall, cancel: CancelToken, emit: Callable[[str], None]) -> ChatAnswer:
    """The answer, guarded piece by piece into `emit` (blocking; `emit` is called on this thread)."""
    sent: list[str] = []

    def write(text: str) -> None:
        sent.append(text)
        emit(text)

    stream = GuardedStream(copilot.config, write, end="")
    completion, cost, cost_text = copilot.run_chat(call.messages, cancel, stream.feed, call.max_tokens,
                                                   call.temperature, call.stop)  # fmt: skip
    stream.finish()
    return ChatAnswer("".join(sent), completion, stream.blocks, cost, cost_text)


# -- OpenAI's shapes -----------------------------------------------------------------------------
def finish_reason(completion: Completion) -> str:
    """OpenAI knows "stop" and "length"; an answer cut by the time cap was cut for length."""
    return "stop" if completion.finish_reason == "stop" else "length"


def usage_of(completion: Completion) -> dict[str, int]:
    usage = completion.usage
    return {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens}  # fmt: skip


def extension(result: ChatAnswer) -> dict[str, Any]:
    return {"guard": [guard_report(b) for b in result.blocks], "cost_usd": round(result.cost_usd, 6),
            "cost": result.cost_text}  # fmt: skip


def completion_json(call: ChatCall, result: ChatAnswer) -> dict[str, Any]:
    """A `chat.completion` object."""
    return {
        "id": call.id,
        "object": "chat.completion",
        "created": call.created,
        "model": call.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": result.text},
                "finish_reason": finish_reason(result.completion),
                "logprobs": None,
            }
        ],
        "usage": usage_of(result.completion),
        "spcopilot": extension(result),
    }


def chunk_json(call: ChatCall, delta: dict[str, str], finish: str | None = None) -> dict[str, Any]:
    """A `chat.completion.chunk` carrying `delta`."""
    return {
        "id": call.id,
        "object": "chat.completion.chunk",
        "created": call.created,
        "model": call.model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
    }


def last_chunks(call: ChatCall, result: ChatAnswer, include_usage: bool) -> list[dict[str, Any]]:
    """The chunk with the finish reason and the guard's report, then (when asked for with
    `stream_options.include_usage`) OpenAI's usage chunk with no choices."""
    final = chunk_json(call, {}, finish_reason(result.completion)) | {"spcopilot": extension(result)}
    chunks = [final]
    if include_usage:
        chunks.append(chunk_json(call, {}) | {"choices": [], "usage": usage_of(result.completion)})
    return chunks
