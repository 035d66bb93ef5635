"""The hole benchmark's report: figures overall and per kind, report.json and report.md."""

from __future__ import annotations

from datetime import datetime, timezone
from statistics import mean
from typing import Any

from spcopilot.training.eval.hole_bench import HoleResult, HoleRun
from spcopilot.training.eval.markdown import fmt, percent, table

from spcopilot import __version__

FORMAT = 1
DEFINITIONS = {
    "filled": "the editor's completion path returned a suggestion (none: the model gave nothing usable after "
    "the post-filters, or the guard withheld a suggestion with an error-severity finding)",
    "parses": "the whole file with the fill has no syntax error",
    "lint-clean": "no error-severity finding in the filled file that the original file does not have",
    "call recall": "share of the functions called in the original hole that the fill calls (mean over holes "
    "that call something)",
    "event recall": "the same for event names (HookEvent & co.) and event fields read (mean over holes that name any)",
    "exact": "the fill equals the original text, whitespace aside",
    "pass": "filled, parses, lint-clean and both recalls complete (or nothing to recall)",
}


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(mean(present), 4) if present else None


def hole_metrics(results: list[HoleResult]) -> dict[str, Any]:
    n = len(results)
    return {
        "holes": n,
        "passed": sum(r.passed for r in results),
        "pass_rate": _share(sum(r.passed for r in results), n),
        "filled_rate": _share(sum(r.filled for r in results), n),
        "parse_rate": _share(sum(r.filled and r.parses for r in results), n),
        "lint_clean_rate": _share(sum(r.filled and r.lint_clean for r in results), n),
        "call_recall": _mean([r.call_recall if r.filled else (0.0 if r.calls_expected else None) for r in results]),
        "event_recall": _mean([r.event_recall if r.filled else (0.0 if r.events_expected else None) for r in results]),
        "exact_rate": _share(sum(r.exact for r in results), n),
        "backend_errors": sum(bool(r.error) for r in results),
    }


ROWS = (
    ("pass rate", "pass_rate", percent),
    ("filled rate", "filled_rate", percent),
    ("parse rate", "parse_rate", percent),
    ("lint-clean rate", "lint_clean_rate", percent),
    ("call recall", "call_recall", percent),
    ("event recall", "event_recall", percent),
    ("exact rate", "exact_rate", percent),
    ("backend errors", "backend_errors", fmt),
)


def build_hole_report(run: dict[str, Any], hole_run: HoleRun, kinds: tuple[str, ...]) -> dict[str, Any]:
    results = hole_run.results
    overall = hole_metrics(results)
    by_kind = {k: hole_metrics([r for r in results if r.kind == k]) for k in kinds}
    summary: dict[str, float | int | None] = {f"all: {label}": overall[key] for label, key, _ in ROWS}
    for kind, m in by_kind.items():
        summary[f"{kind}: pass rate"] = m["pass_rate"]
        summary[f"{kind}: call recall"] = m["call_recall"]
    return {
        "kind": "holes",
        "format": FORMAT,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "spcopilot": __version__,
        "run": run,
        "kinds": list(kinds),
        "definitions": DEFINITIONS,
        "summary": summary,
        "metrics": overall,
        "by_kind": by_kind,
        "skipped": hole_run.skipped,
        "items": [r.to_json() for r in results],
    }


def render_hole_markdown(report: dict[str, Any]) -> str:
    run, overall, by_kind = report["run"], report["metrics"], report["by_kind"]
    out = [f"# Hole filling: {run['model'] or run['backend']} ({run['backend']})", ""]
    out += [
        table(
            ["run", ""],
            [
                ["sources", ", ".join(run["sources"])],
                ["plugins used", f"{run['plugins_used']} of {run['plugins']}"],
                ["holes per file", run["per_file"]],
                ["kinds", ", ".join(report["kinds"])],
                ["temperature", fmt(run.get("temperature"))],
                ["fill tokens", fmt(run.get("fill_tokens"))],
                ["created", report["created"]],
            ],
        ),
        "",
        "## Scores",
        "",
    ]
    kinds = list(by_kind)
    rows = [[label, f(overall[key]), *(f(by_kind[k][key]) for k in kinds)] for label, key, f in ROWS]
    rows.insert(0, ["holes", overall["holes"], *(by_kind[k]["holes"] for k in kinds)])
    out += [table(["", "all", *kinds], rows), ""]
    for key, why in (("call_recall", "no hole calls a function"), ("event_recall", "no hole names an event or field")):
        if overall[key] is None:
            out.append(f"- {key.replace('_', ' ')} is n/a: {why}, so there is nothing to recall")
    out += ["", "## Holes", ""]
    hole_rows = [
        [f"`{i['id']}`", i["kind"], "pass" if i["passed"] else "fail", fmt(i["filled"]), fmt(i["parses"]),
         fmt(i["lint_clean"]), percent(i["call_recall"]), percent(i["event_recall"]), ", ".join(i["new_errors"])]
        for i in report["items"]
    ]  # fmt: skip
    out += [table(["hole", "kind", "verdict", "filled", "parses", "lint-clean", "calls", "events", "new errors"],
                  hole_rows), ""]  # fmt: skip
    if report["skipped"]:
        out += ["Skipped plugins: " + "; ".join(f"{s['path']} ({s['reason']})" for s in report["skipped"]), ""]
    out += ["## Definitions", ""]
    out += [f"- **{name}**: {text}" for name, text in report["definitions"].items()]
    out.append("")
    return "\n".join(out)
