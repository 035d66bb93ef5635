"""What the guard did to generated code, for people (stderr, the engine's text format) and for
results files (JSON)."""

from __future__ import annotations

from pathlib import Path

from spcopilot.diagnostics.checker import FileResult
from spcopilot.diagnostics.report import text_report
from spcopilot.server.ai.guard import GuardResult, fixed_json, is_unsafe
from spcopilot.server.ai.service import GenerationResult


def guard_report(result: GuardResult, name: str, color: bool = False) -> str:
    """Syntax errors and remaining findings as `spcopilot check` prints them, then what was fixed."""
    lines = [f"{name}:{s.line + 1}:{s.character + 1}: error {s.message}" for s in result.syntax]
    lines.append(text_report([FileResult(Path(name), list(result.remaining), fixed=len(result.fixed))], color=color))
    for d in result.fixed:
        change = f" → {d.fix.title}" if d.fix else ""
        lines.append(f"  fixed {d.code}: {d.message}{change}" + (" (unsafe fix: review it)" if is_unsafe(d) else ""))
    if result.repaired_by_model:
        lines.append("  the model repaired findings the engine could not fix (one repair round)")
    lines.append(f"guard: {result.summary()}")
    return "\n".join(lines)


def result_row(item_id: str, prompt: str, result: GenerationResult, file: str, batch_api: bool) -> dict[str, object]:
    """One line of results.jsonl."""
    checked = result.guard
    return {
        "id": item_id,
        "prompt": prompt,
        "file": file,
        "clean": checked.clean if checked else None,
        "guard": checked.summary() if checked else "",
        "fixed": [fixed_json(d) for d in checked.fixed] if checked else [],
        "remaining": [
            {"code": d.code, "severity": d.severity.label, "line": d.range.start.line + 1, "message": d.message}
            for d in (checked.remaining if checked else [])
        ],
        "syntax": [s.to_json() for s in checked.syntax] if checked else [],
        "repaired_by_model": checked.repaired_by_model if checked else False,
        "usage": {"prompt_tokens": result.usage.prompt_tokens, "completion_tokens": result.usage.completion_tokens},
        "cost_usd": round(result.cost_usd, 6),
        "model": result.model,
        "finish_reason": result.finish_reason,
        "batch_api": batch_api,
    }
