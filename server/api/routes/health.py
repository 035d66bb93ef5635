"""GET /health: the backend and model, what the engine knows, what the session has spent."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from spcopilot.server.api.routes import Runtime, error_responses
from spcopilot.server.api.schemas import HealthResponse

router = APIRouter(tags=["service"])


@router.get("/health", response_model=HealthResponse, responses=error_responses(401))
def health(runtime: Runtime) -> dict[str, Any]:
    """The backend and model answering, the knowledge base's counts, the tokens and money spent
    since the server started, and the limits a request must keep to."""
    return runtime.health()
