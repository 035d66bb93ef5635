"""The battery run's report: report.json (everything, for `eval compare` and scripts) and
report.md (the same for people), written with outputs.jsonl into a staging folder that becomes
the output folder only when all three are complete."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from spcopilot.training.eval.errors import EvalError
from spcopilot.training.eval.markdown import fmt, percent, score, table
from spcopilot.training.eval.metrics import category_metrics, mode_metrics, summary
from spcopilot.training.eval.probes import ProbeResult, probe_metrics
from spcopilot.training.eval.runner import ItemResult
from spcopilot.training.eval.scoring import security_codes, wrong_api_codes

from spcopilot import __version__

FORMAT = 1
DEFINITIONS = {
    "pass": "every required pattern present (any accepted alternative), no forbidden pattern, the code parses "
    "and no error-severity finding is left (after the guard in the guarded mode; in the code as written in "
    "the raw mode). Patterns are matched on the code without comments.",
    "wrong-API avoidance": "share of answers with no finding of the API, event or entity-prop rule families "
    "(SPC1xx, SPC2xx, SPC3xx: a function, event, event field or property that does not exist, or the wrong "
    "accessor or prop type for it), any severity",
    "security score": "10 × (1 − share of answers with a finding of the security family SPC5xx, any severity)",
    "probe accuracy": "right yes/no answers to 'does X exist?' over all probes; an unreadable answer is wrong",
    "over-rejections": "real names answered 'no'",
    "compile pass rate": "only when SourcePawn's compiler (spcomp) is found: share of answers the compiler "
    "compiled without an error (raw: as written; guarded: after the guard). Not part of pass",
    "backend errors": "items whose model call failed: they fail in every mode and are left out of wrong-API "
    "avoidance and the security score",
}


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_report(
    run: dict[str, Any],
    results: list[ItemResult],
    modes: tuple[str, ...],
    probes: list[ProbeResult] | None,
) -> dict[str, Any]:
    metrics = {mode: mode_metrics(results, mode) for mode in modes}
    categories = category_metrics(results, modes)
    probe_figures = probe_metrics(probes) if probes is not None else None
    return {
        "kind": "battery",
        "format": FORMAT,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "spcopilot": __version__,
        "run": run,
        "modes": list(modes),
        "definitions": DEFINITIONS,
        "wrong_api_codes": sorted(wrong_api_codes()),
        "security_codes": sorted(security_codes()),
        "summary": summary(metrics, categories, probe_figures),
        "metrics": metrics,
        "categories": categories,
        "probes": probe_figures,
        "items": [r.to_json() for r in results],
        "probe_results": [r.to_json() for r in probes] if probes is not None else None,
    }


MODE_ROWS = (
    ("parses", "parse_rate", percent),
    ("pass rate", "pass_rate", percent),
    ("answers judged (code parses)", "judged", fmt),
    ("wrong-API avoidance", "wrong_api_avoidance", percent),
    ("security score (0–10)", "security_score", score),
    ("required patterns met", "required_met_rate", percent),
    ("no forbidden pattern", "forbidden_free_rate", percent),
    ("no error finding", "error_free_rate", percent),
    ("compiles (spcomp)", "compile_pass_rate", percent),
    ("backend errors", "backend_errors", fmt),
)


def render_markdown(report: dict[str, Any]) -> str:
    run, modes, metrics = report["run"], report["modes"], report["metrics"]
    out = [f"# Evaluation: {run['model'] or run['backend']} ({run['backend']})", ""]
    out += [
        table(
            ["run", ""],
            [
                ["battery", f"{run['battery']} ({next(iter(metrics.values()))['items']} prompts)"],
                ["probes", run.get("probes") or "–"],
                ["modes", ", ".join(modes)],
                ["repair round", fmt(run.get("repair"))],
                ["temperature", fmt(run.get("temperature"))],
                ["max tokens", fmt(run.get("max_tokens"))],
                ["created", report["created"]],
            ],
        ),
        "",
        "## Scores",
        "",
    ]
    rows = [[label, *(f(metrics[m].get(key)) for m in modes)] for label, key, f in MODE_ROWS]
    out += [table(["metric", *modes], rows), ""]
    labels = {key: label for label, key, _ in MODE_ROWS}
    for mode in modes:
        for key, why in metrics[mode].get("not_applicable", {}).items():
            out.append(f"- {mode}: {labels.get(key, key)} is n/a: {why}")
    for mode in modes:
        m = metrics[mode]
        notes = []
        if m["wrong_api_findings"]:
            notes.append("wrong-API findings " + ", ".join(f"{c} ×{n}" for c, n in m["wrong_api_findings"].items()))
        if m["security_findings"]:
            notes.append("security findings " + ", ".join(f"{c} ×{n}" for c, n in m["security_findings"].items()))
        if m["fixed_by_guard"]:
            notes.append("fixed by the guard " + ", ".join(f"{c} ×{n}" for c, n in m["fixed_by_guard"].items()))
        if m["repaired_by_model"]:
            notes.append(f"repaired by the model: {m['repaired_by_model']}")
        if notes:
            out.append(f"- {mode}: " + "; ".join(notes))
    out += ["", "## Per category", ""]
    headers = ["category", "prompts"]
    for mode in modes:
        headers += [f"parses ({mode})", f"pass ({mode})", f"wrong-API avoid. ({mode})", f"security ({mode})"]
    rows = []
    for category, c in report["categories"].items():
        row: list[object] = [category, c["items"]]
        for mode in modes:
            row += [percent(c[mode].get("parse_rate")), percent(c[mode]["pass_rate"]),
                    percent(c[mode]["wrong_api_avoidance"]), score(c[mode]["security_score"])]  # fmt: skip
        rows.append(row)
    out += [table(headers, rows), ""]
    if report["probes"] is not None:
        out += _probe_section(report["probes"])
    out += _failures(report, modes)
    out += ["## Definitions", ""]
    out += [f"- **{name}**: {text}" for name, text in report["definitions"].items()]
    out += [
        f"- wrong-API rule codes: {', '.join(report['wrong_api_codes'])}",
        f"- security rule codes: {', '.join(report['security_codes'])}",
        "",
    ]
    return "\n".join(out)


def _probe_section(p: dict[str, Any]) -> list[str]:
    rows = [
        ["accuracy", f"{p['correct']}/{p['probes']}", percent(p["accuracy"])],
        ["real names answered yes", f"{p['real']['answered_yes']}/{p['real']['probes']}", percent(p["real"]["accuracy"])],
        ["invented names answered no", f"{p['invented']['answered_no']}/{p['invented']['probes']}",
         percent(p["invented"]["accuracy"])],
        ["over-rejections (real answered no)", p["over_rejections"], ", ".join(p["over_rejected"]) or "–"],
        ["invented names accepted", p["invented"]["accepted"], ""],
        ["unclear answers", p["unclear"], ""],
    ]  # fmt: skip
    kinds = [[k, v["probes"], percent(v["accuracy"])] for k, v in p["by_kind"].items()]
    return ["## Probes", "", table(["", "count", "share"], rows), "", table(["kind", "probes", "accuracy"], kinds), ""]


def _failures(report: dict[str, Any], modes: list[str]) -> list[str]:
    out = ["## Items that did not pass", ""]
    any_failed = False
    for mode in modes:
        failed = [i for i in report["items"] if not i["modes"][mode]["passed"]]
        if not failed:
            continue
        any_failed = True
        out.append(f"**{mode}** ({len(failed)}):")
        out.append("")
        for item in failed:
            out.append(f"- `{item['id']}`: {item.get('error') or _why(item['modes'][mode])}")
        out.append("")
    if not any_failed:
        out += ["none", ""]
    return out


def _why(score: dict[str, Any]) -> str:
    parts = []
    if not score["parses"]:
        parts.append("does not parse")
    if score["missing"]:
        parts.append("missing " + ", ".join(f"`{m}`" for m in score["missing"]))
    if score["forbidden"]:
        parts.append("has " + ", ".join(f"`{f}`" for f in score["forbidden"]))
    codes = [c for c in score["errors"] if c != "syntax"]
    if codes:
        parts.append("errors " + ", ".join(codes))
    return "; ".join(parts)


def read_report(path: Path) -> dict[str, Any]:
    """A report.json, or the report.json inside a run folder."""
    file = path / "report.json" if path.is_dir() else path
    try:
        value = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvalError(f"{file}: no such report (give a run folder or its report.json)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalError(f"cannot read {file}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise EvalError(f"{file}: not a JSON report ({exc.msg} on line {exc.lineno})") from None
    if not isinstance(value, dict) or "summary" not in value or "kind" not in value:
        raise EvalError(f"{file}: not an evaluation report (no kind/summary)")
    return value
