"""POST /v1/check: diagnostics and fixes for a text, from the engine alone (no model)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from spcopilot.server.api.routes import Runtime, error_responses
from spcopilot.server.api.schemas import CheckRequest, CheckResponse

router = APIRouter(tags=["engine"])


@router.post("/v1/check", response_model=CheckResponse, responses=error_responses(400, 401, 413, 500, 504))
async def check(body: CheckRequest, runtime: Runtime) -> dict[str, Any]:
    """Lint `code` as `spcopilot check` lints a file (the same diagnostics, in `--format json`'s
    shape); with `fix`, apply the safe fixes until stable, as `--fix`. Runs in a worker process
    (check_workers.py): 504 after the check time limit, 500 when the checker crashed on it."""
    return await runtime.checkers.check(
        body.code, body.path, body.fix, body.unsafe_fixes, runtime.limits.check_timeout_s
    )
