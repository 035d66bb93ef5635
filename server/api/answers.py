"""The service's results as the API's JSON (schemas.CodeAnswer and friends): the engine's and the
guard's own `to_json`, with the code once, at the top."""

from __future__ import annotations

from typing import Any

from spcopilot.server.ai.backends.base import Usage
from spcopilot.server.ai.guard import GuardResult
from spcopilot.server.ai.service import GenerationResult


def usage_json(usage: Usage) -> dict[str, int]:
    return {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens}


def guard_report(result: GuardResult) -> dict[str, Any]:
    """What the guard did (schemas.GuardReport): its JSON without the code."""
    report = result.to_json()
    report.pop("code", None)
    return report


def code_answer(result: GenerationResult) -> dict[str, Any]:
    """A guarded generation (schemas.CodeAnswer)."""
    assert result.guard is not None, "only guarded generations are answered as code"
    return {
        "code": result.text,
        "guard": guard_report(result.guard),
        "usage": usage_json(result.usage),
        "cost_usd": round(result.cost_usd, 6),
        "cost": result.cost_text,
        "model": result.model,
        "finish_reason": result.finish_reason,
    }
