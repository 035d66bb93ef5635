"""The battery's figures, per mode (raw / guarded) and per category; definitions in
`spcopilot.training.eval` and in every report.

Backend failures count as failed items in the pass rate and are left out of wrong-API avoidance
and the security score (an answer that was never given has no findings to count); an empty
answer is an answer.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from spcopilot.training.eval.runner import ItemResult


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def mode_metrics(results: list[ItemResult], mode: str) -> dict[str, Any]:
    scores = [r.scores[mode] for r in results]
    answered = [r.scores[mode] for r in results if not r.error]
    security_hits = sum(bool(s.security) for s in answered)
    passed = sum(s.passed for s in scores)
    return {
        "items": len(scores),
        "passed": passed,
        "pass_rate": _share(passed, len(scores)),
        "parse_rate": _share(sum(s.parses for s in scores), len(scores)),
        "required_met_rate": _share(sum(not s.missing for s in scores), len(scores)),
        "forbidden_free_rate": _share(sum(not s.forbidden for s in scores), len(scores)),
        "error_free_rate": _share(sum(not s.errors for s in scores), len(scores)),
        "wrong_api_avoidance": _share(sum(not s.wrong_api for s in answered), len(answered)),
        "security_score": round(10 * (1 - security_hits / len(answered)), 2) if answered else None,
        "compile_pass_rate": _share(sum(s.compiles is True for s in scores), len(scores))
        if any(s.compiles is not None for s in scores)
        else None,
        "backend_errors": len(scores) - len(answered),
        "wrong_api_findings": dict(sorted(Counter(c for s in answered for c in s.wrong_api).items())),
        "security_findings": dict(sorted(Counter(c for s in answered for c in s.security).items())),
        "fixed_by_guard": dict(sorted(Counter(c for s in answered for c in s.fixed).items())),
        "repaired_by_model": sum(s.repaired_by_model for s in answered),
    }


def category_metrics(results: list[ItemResult], modes: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for category in sorted({r.item.category for r in results}):
        mine = [r for r in results if r.item.category == category]
        out[category] = {"items": len(mine)}
        for mode in modes:
            m = mode_metrics(mine, mode)
            out[category][mode] = {k: m[k] for k in ("passed", "pass_rate", "wrong_api_avoidance", "security_score")}
    return out


def summary(metrics: dict[str, dict[str, Any]], categories: dict[str, dict[str, Any]],
            probes: dict[str, Any] | None) -> dict[str, float | int | None]:  # fmt: skip
    """The flat figures `eval compare` puts side by side."""
    out: dict[str, float | int | None] = {}
    for mode, m in metrics.items():
        out[f"{mode}: pass rate"] = m["pass_rate"]
        out[f"{mode}: wrong-API avoidance"] = m["wrong_api_avoidance"]
        out[f"{mode}: security score (0-10)"] = m["security_score"]
        out[f"{mode}: parse rate"] = m["parse_rate"]
        out[f"{mode}: error-free rate"] = m["error_free_rate"]
        if m["compile_pass_rate"] is not None:
            out[f"{mode}: compile pass rate"] = m["compile_pass_rate"]
    if probes is not None:
        out["probes: accuracy"] = probes["accuracy"]
        out["probes: real names answered yes"] = probes["real"]["accuracy"]
        out["probes: invented names answered no"] = probes["invented"]["accuracy"]
        out["probes: over-rejections"] = probes["over_rejections"]
        out["probes: unclear answers"] = probes["unclear"]
    for category, c in categories.items():
        for mode in metrics:
            out[f"{category} ({mode}): pass rate"] = c[mode]["pass_rate"]
    return out
