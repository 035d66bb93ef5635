"""The battery's figures, per mode (raw / guarded) and per category; definitions in
`spcopilot.training.eval` and in every report.

Wrong-API avoidance and the security score judge code: their denominator is the answers whose
code parses (in that mode). An answer that was never given (a backend failure), is empty or does
not parse has no findings to count, so it is left out of both; with no such answer at all the
figure is None ("n/a" in the report) and `not_applicable` says why (0 of 40 answers parsing is
not "100 % wrong-API avoidance"). Backend failures count as failed items in the pass rate.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from spcopilot.training.eval.runner import ItemResult


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def not_applicable(results: list[ItemResult], mode: str) -> dict[str, str]:
    """Why a figure has nothing to measure, for each figure that has not."""
    scores = [r.scores[mode] for r in results]
    judged = [r.scores[mode] for r in results if not r.error and r.scores[mode].parses]
    out: dict[str, str] = {}
    if not scores:
        return {k: "no battery item" for k in ("pass_rate", "parse_rate", "wrong_api_avoidance", "security_score")}
    if not judged:
        errors = sum(bool(r.error) for r in results)
        why = f"no answer has code that parses ({len(scores) - errors} answered, {errors} backend errors)"
        out["wrong_api_avoidance"] = f"{why}: no code to check for wrong APIs"
        out["security_score"] = f"{why}: no code to check for security findings"
    if all(s.compiles is None for s in scores):
        out["compile_pass_rate"] = "SourcePawn's compiler (spcomp) was not found"
    return out


def mode_metrics(results: list[ItemResult], mode: str) -> dict[str, Any]:
    scores = [r.scores[mode] for r in results]
    answered = [r.scores[mode] for r in results if not r.error]
    judged = [s for s in answered if s.parses]  # code to look for findings in
    security_hits = sum(bool(s.security) for s in judged)
    passed = sum(s.passed for s in scores)
    return {
        "items": len(scores),
        "parse_rate": _share(sum(s.parses for s in scores), len(scores)),
        "passed": passed,
        "pass_rate": _share(passed, len(scores)),
        "required_met_rate": _share(sum(not s.missing for s in scores), len(scores)),
        "forbidden_free_rate": _share(sum(not s.forbidden for s in scores), len(scores)),
        "error_free_rate": _share(sum(not s.errors for s in scores), len(scores)),
        "judged": len(judged),
        "wrong_api_avoidance": _share(sum(not s.wrong_api for s in judged), len(judged)),
        "security_score": round(10 * (1 - security_hits / len(judged)), 2) if judged else None,
        "compile_pass_rate": _share(sum(s.compiles is True for s in scores), len(scores))
        if any(s.compiles is not None for s in scores)
        else None,
        "backend_errors": len(scores) - len(answered),
        "wrong_api_findings": dict(sorted(Counter(c for s in answered for c in s.wrong_api).items())),
        "security_findings": dict(sorted(Counter(c for s in answered for c in s.security).items())),
        "fixed_by_guard": dict(sorted(Counter(c for s in answered for c in s.fixed).items())),
        "repaired_by_model": sum(s.repaired_by_model for s in answered),
        "not_applicable": not_applicable(results, mode),
    }


def category_metrics(results: list[ItemResult], modes: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for category in sorted({r.item.category for r in results}):
        mine = [r for r in results if r.item.category == category]
        out[category] = {"items": len(mine)}
        for mode in modes:
            m = mode_metrics(mine, mode)
            keys = ("parse_rate", "passed", "pass_rate", "wrong_api_avoidance", "security_score")
            out[category][mode] = {k: m[k] for k in keys}
    return out


def summary(metrics: dict[str, dict[str, Any]], categories: dict[str, dict[str, Any]],
            probes: dict[str, Any] | None) -> dict[str, float | int | None]:  # fmt: skip
    """The flat figures `eval compare` puts side by side."""
    out: dict[str, float | int | None] = {}
    for mode, m in metrics.items():
        out[f"{mode}: parse rate"] = m["parse_rate"]
        out[f"{mode}: pass rate"] = m["pass_rate"]
        out[f"{mode}: wrong-API avoidance"] = m["wrong_api_avoidance"]
        out[f"{mode}: security score (0-10)"] = m["security_score"]
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
