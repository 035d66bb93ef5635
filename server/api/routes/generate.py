"""POST /v1/generate-plugin: a whole plugin, guarded, with what is left and what was repaired."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from spcopilot.server.api.answers import code_answer
from spcopilot.server.api.checking import file_name
from spcopilot.server.api.model_calls import ModelCall
from spcopilot.server.api.routes import MODEL_ERRORS, Runtime, error_responses
from spcopilot.server.api.schemas import GeneratePluginRequest, GeneratePluginResponse
from starlette.requests import Request

router = APIRouter(tags=["model"])


@router.post("/v1/generate-plugin", response_model=GeneratePluginResponse, responses=error_responses(*MODEL_ERRORS))
async def generate_plugin(body: GeneratePluginRequest, request: Request, runtime: Runtime) -> dict[str, Any]:
    """As `spcopilot generate`: the plugin through the guard (safe fixes, then one repair round
    by the model for what is left, unless `repair` is false)."""
    runtime.require_model()
    max_tokens = runtime.limits.max_tokens_of(body.max_tokens)
    repair = runtime.repair if body.repair is None else body.repair
    name = file_name(body.path)
    call = ModelCall(
        runtime,
        request,
        lambda token, _: runtime.copilot.generate_plugin(
            body.prompt, token, path=name, repair=repair, max_tokens=max_tokens
        ),
    )
    return code_answer(await call.result())
