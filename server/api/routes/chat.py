"""POST /v1/chat/completions: OpenAI's chat API (so OpenAI clients and SDKs work against it),
with `stream: true` as server-sent events: `data: <chat.completion.chunk>` lines, then
`data: [DONE]`. An error after the stream has started arrives as `data: {"error": {...}}`."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter
from spcopilot.diagnostics.errors import SpcopilotError
from spcopilot.server.api.chat import (
    ChatAnswer,
    ChatCall,
    answer,
    answer_streaming,
    chat_call,
    chunk_json,
    completion_json,
    last_chunks,
)
from spcopilot.server.api.errors import ApiError, ClientGone, error_body
from spcopilot.server.api.model_calls import ModelCall
from spcopilot.server.api.routes import MODEL_ERRORS, Runtime, error_responses
from spcopilot.server.api.runtime import ApiRuntime
from spcopilot.server.api.schemas import ChatCompletion, ChatCompletionRequest
from starlette.requests import Request
from starlette.responses import StreamingResponse

log = logging.getLogger("spcopilot.api")
router = APIRouter(tags=["model"])
# One event of the stream (OpenAPI 3.1: with text/event-stream, `schema` describes each event):
# its data is a chunk, or an error that ends the stream, as JSON, or the closing `[DONE]`.
STREAM_EVENT = {
    "type": "object",
    "description": "With `stream: true`: `data: ` lines, each a ChatCompletionChunk as JSON (the last with "
    "the finish reason and the `spcopilot` guard report; with `stream_options.include_usage`, a usage "
    "chunk with no choices follows), then `data: [DONE]`",
    "required": ["data"],
    "properties": {
        "data": {
            "anyOf": [
                {"type": "string", "const": "[DONE]"},
                {
                    "type": "string",
                    "contentMediaType": "application/json",
                    "contentSchema": {
                        "anyOf": [
                            {"$ref": "#/components/schemas/ChatCompletionChunk"},
                            {"$ref": "#/components/schemas/ErrorResponse"},
                        ]
                    },
                },
            ]
        }
    },
}


@router.post(
    "/v1/chat/completions",
    response_model=ChatCompletion,
    responses=error_responses(*MODEL_ERRORS) | {200: {"content": {"text/event-stream": {"schema": STREAM_EVENT}}}},
)
async def chat_completions(body: ChatCompletionRequest, request: Request, runtime: Runtime) -> Any:
    """A conversation about SourceMod code, answered by the server's model; every SourcePawn code
    block of the answer is guarded (streamed or not, the same guarded text)."""
    runtime.require_model()
    newer = runtime.limits.max_tokens_of(body.max_completion_tokens, "max_completion_tokens")
    older = runtime.limits.max_tokens_of(body.max_tokens)
    max_tokens = newer if newer is not None else older  # (OpenAI's newer name wins; both are checked)
    call = chat_call(body, runtime.copilot.backend.model, max_tokens, runtime.copilot.system_prompt())
    copilot = runtime.copilot
    if not body.stream:
        result: ChatAnswer = await ModelCall(runtime, request, lambda token, _: answer(copilot, call, token)).result()
        return completion_json(call, result)
    streaming = ModelCall(runtime, request, lambda token, emit: answer_streaming(copilot, call, token, emit))
    first = await streaming.next()  # an error before the first piece is still a plain HTTP error
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    return StreamingResponse(
        _events(runtime, call, streaming, first, include_usage),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(
    runtime: ApiRuntime, call: ChatCall, streaming: ModelCall[ChatAnswer], first: tuple[str, Any], include_usage: bool
) -> AsyncIterator[str]:
    try:
        yield _sse(chunk_json(call, {"role": "assistant", "content": ""}))
        kind, value = first
        while kind == "piece":
            yield _sse(chunk_json(call, {"content": value}))
            kind, value = await streaming.next()
        for chunk in last_chunks(call, value, include_usage):
            yield _sse(chunk)
        yield "data: [DONE]\n\n"
    except ClientGone:
        return
    except ApiError as error:
        yield _sse(error_body(runtime.redactor.redact(error.message), error.type, error.code))
    except SpcopilotError as error:  # a backend error in the middle of the answer
        log.warning("backend: %s", error)
        yield _sse(error_body(runtime.redactor.redact(str(error)), "backend_error", "backend_error"))
    except Exception:
        log.exception("chat stream failed")
        yield _sse(error_body("internal error (the server's log has the details)", "server_error", "internal_error"))
    finally:
        streaming.close()


def _sse(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"
