"""POST /v1/complete: guarded code for an instruction, or for the cursor between two texts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from spcopilot.server.api.completion import complete_code
from spcopilot.server.api.model_calls import ModelCall
from spcopilot.server.api.routes import MODEL_ERRORS, Runtime, error_responses
from spcopilot.server.api.schemas import CompleteRequest, CompleteResponse
from starlette.requests import Request

router = APIRouter(tags=["model"])


@router.post("/v1/complete", response_model=CompleteResponse, responses=error_responses(*MODEL_ERRORS))
async def complete(body: CompleteRequest, request: Request, runtime: Runtime) -> dict[str, Any]:
    """`prompt` alone: code for it. `prefix`/`suffix` alone: the editor's inline completion at
    that cursor. Both: the prompt's code at that cursor. The code is always guarded."""
    runtime.require_model()
    max_tokens = runtime.limits.max_tokens_of(body.max_tokens)
    call = ModelCall(runtime, request, lambda token, _: complete_code(runtime, body, max_tokens, token))
    return await call.result()
