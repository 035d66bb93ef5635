"""Rule documentation generated from the rule modules: `spcopilot rules`, `spcopilot rule CODE`,
and the README's rule table (a test fails when the README drifts from this)."""

from __future__ import annotations

import json

from spcopilot.diagnostics.rules import all_rules
from spcopilot.diagnostics.rules.base import FAMILIES, Rule


def rules_text() -> str:
    rows = [f"{r.code}  {r.name:<32} {r.severity.label:<8} {'fix' if r.fixable else '   '}  {r.summary}" for r in all_rules()]
    return "\n".join(rows)


def rules_json() -> str:
    return json.dumps(
        [
            {"code": r.code, "name": r.name, "family": r.family, "severity": r.severity.label, "fixable": r.fixable, "summary": r.summary, "games": sorted(r.games)}
            for r in all_rules()
        ],
        indent=2,
    )


def rules_markdown() -> str:
    """The README table: one section per family."""
    out = []
    for digit, family in FAMILIES.items():
        rules = [r for r in all_rules() if r.code[3] == digit]
        if not rules:
            continue
        out.append(f"**{family}**\n")
        out.append("| Code | Name | Severity | Fix | What it catches |")
        out.append("|---|---|---|---|---|")
        for r in rules:
            out.append(f"| <a id=\"{r.code.lower()}\"></a>{r.code} | `{r.name}` | {r.severity.label} | {'yes' if r.fixable else ''} | {r.summary} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def rule_text(rule: Rule) -> str:
    header = f"# {rule.code} {rule.name}\n\n{rule.summary}\n\nSeverity: {rule.severity.label}. Family: {rule.family}. Fix: {'yes' if rule.fixable else 'no'}."
    games = "all games" if len(rule.games) == 5 else ", ".join(sorted(rule.games))
    return f"{header} Applies to: {games}.\n\n{rule.docs.strip()}\n"
