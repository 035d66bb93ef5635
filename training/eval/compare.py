"""`spcopilot eval compare A B`: two reports of the same kind side by side, as markdown.

Every figure of both summaries gets a row (A, B, B − A); rates are shown in percent, their
difference in percentage points. Lower is better for the counts marked LOWER_IS_BETTER. When the
two runs used the same battery (or hole set), the items whose verdict changed are listed.
"""

from __future__ import annotations

from typing import Any

from spcopilot.training.eval.errors import EvalError
from spcopilot.training.eval.markdown import table

LOWER_IS_BETTER = ("over-rejections", "unclear answers", "backend errors")


def _is_rate(label: str) -> bool:
    return any(word in label for word in ("rate", "avoidance", "accuracy", "answered", "recall"))


def _value(label: str, value: Any) -> str:
    if value is None:
        return "–"
    if _is_rate(label):
        return f"{100 * value:.1f} %"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def _delta(label: str, a: Any, b: Any) -> str:
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return "–"
    diff = b - a
    if abs(diff) < 1e-12:
        return "="
    better = diff < 0 if any(word in label for word in LOWER_IS_BETTER) else diff > 0
    mark = "▲" if better else "▼"
    text = f"{100 * diff:+.1f} pp" if _is_rate(label) else (f"{diff:+.2f}" if isinstance(diff, float) else f"{diff:+d}")
    return f"{text} {mark}"


def _name(report: dict[str, Any]) -> str:
    run = report.get("run", {})
    return f"{run.get('model') or run.get('backend', '?')} ({run.get('backend', '?')})"


def input_digests(report: dict[str, Any]) -> tuple[str, str]:
    """(items, probes): what each run was asked. A battery run's `input_sha256` is the battery's
    SHA-256 followed by the probes' (when it had probes); a hole run's is its holes' digest."""
    run = report.get("run", {})
    if "battery_sha256" in run:
        return str(run["battery_sha256"]), str(run.get("probes_sha256") or "")
    digest = str(run.get("input_sha256") or "")
    if report.get("kind") == "battery" and len(digest) in (64, 128):
        return digest[:64], digest[64:]
    return digest, ""


def _verdicts(report: dict[str, Any]) -> dict[tuple[str, str], bool]:
    """(item id, mode) -> passed, for battery and hole reports alike."""
    out: dict[tuple[str, str], bool] = {}
    for item in report.get("items") or []:
        if "modes" in item:
            for mode, score in item["modes"].items():
                out[(item["id"], mode)] = bool(score["passed"])
        elif "passed" in item:
            out[(item["id"], "fill")] = bool(item["passed"])
    return out


def compare(a: dict[str, Any], b: dict[str, Any], label_a: str = "A", label_b: str = "B") -> str:
    if a.get("kind") != b.get("kind"):
        raise EvalError(f"cannot compare a {a.get('kind')} report with a {b.get('kind')} report")
    sa, sb = a["summary"], b["summary"]
    labels = list(sa) + [k for k in sb if k not in sa]
    out = [f"# Comparison: {label_a} vs {label_b}", ""]
    out += [
        table(
            ["", "run", "created"],
            [[label_a, _name(a), a.get("created", "")], [label_b, _name(b), b.get("created", "")]],
        ),
        "",
    ]
    items_a, probes_a = input_digests(a)
    items_b, probes_b = input_digests(b)
    same_input = items_a == items_b
    if not same_input:
        out += [
            "**The two runs used different inputs** (battery or hole set): figures are not comparable item by item.",
            "",
        ]
    elif probes_a != probes_b:
        out += [
            "**Only the probes differ**: the battery is the same (its items are compared below); the probe figures "
            "come from different probe sets.",
            "",
        ]
    rows = [[label, _value(label, sa.get(label)), _value(label, sb.get(label)), _delta(label, sa.get(label), sb.get(label))]
            for label in labels]  # fmt: skip
    out += [table(["metric", label_a, label_b, f"{label_b} − {label_a}"], rows), ""]
    if same_input:
        va, vb = _verdicts(a), _verdicts(b)
        fixed = sorted(f"{i} ({m})" for (i, m), ok in vb.items() if ok and va.get((i, m)) is False)
        broken = sorted(f"{i} ({m})" for (i, m), ok in vb.items() if not ok and va.get((i, m)) is True)
        out += [f"- passing in {label_b} only: {', '.join(fixed) or 'none'}",
                f"- passing in {label_a} only: {', '.join(broken) or 'none'}", ""]  # fmt: skip
    return "\n".join(out)
