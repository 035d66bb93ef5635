"""Markdown pieces shared by the reports: tables and number formatting."""

from __future__ import annotations

from collections.abc import Sequence


def fmt(value: object) -> str:
    """Rates as percentages, scores with two decimals, None as a dash."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def percent(value: float | None) -> str:
    """A rate in percent; None (nothing to measure) is "n/a"."""
    return "n/a" if value is None else f"{100 * value:.1f} %"


def score(value: float | None) -> str:
    """A score with two decimals; None (nothing to measure) is "n/a"."""
    return "n/a" if value is None else f"{value:.2f}"


def cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |"]
    lines.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|")
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
