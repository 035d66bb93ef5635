"""The endpoints, one module each: a few lines that take the validated request, call a plain
function (checking.py, completion.py, chat.py, the copilot service) on the right thread, and
return its JSON. What they share: the runtime of the app, and the errors each may answer, for
/openapi.json."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from spcopilot.server.api.runtime import ApiRuntime
from spcopilot.server.api.schemas import ErrorResponse
from starlette.requests import Request

ERROR_DESCRIPTIONS = {
    400: "Invalid request: not JSON, a missing or out-of-range value, max_tokens above the server's limit",
    401: "Missing or wrong `Authorization: Bearer <token>` (a server started with SPCOPILOT_API_TOKEN)",
    413: "The request body is larger than the server accepts",
    429: "Too many model requests at once from this client; retry after `Retry-After` seconds",
    500: "The checker crashed on this text (its worker process was replaced)",
    502: "The model backend failed (server unreachable, key rejected, no recorded answer)",
    503: "No model backend is configured",
    504: "The model (or a check) did not finish within the server's time limit (it was stopped)",
}
MODEL_ERRORS = (400, 401, 413, 429, 502, 503, 504)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` of a route: each status with the error body, and `default` for the rest
    (which also keeps FastAPI from documenting a 422 this API never sends: validation is 400)."""
    responses: dict[int | str, dict[str, Any]] = {
        status: {"model": ErrorResponse, "description": ERROR_DESCRIPTIONS[status]} for status in statuses
    }
    responses["default"] = {"model": ErrorResponse, "description": "Any other error"}
    return responses


def runtime_of(request: Request) -> ApiRuntime:
    runtime: ApiRuntime = request.app.state.runtime
    return runtime


Runtime = Annotated[ApiRuntime, Depends(runtime_of)]  # a handler's parameter: the app's runtime
