"""Generated documentation: every rule documents itself, and the README's table is current."""

from __future__ import annotations

from pathlib import Path

import pytest
from spcopilot.diagnostics.rule_docs import readme_with_rules
from spcopilot.diagnostics.rules import all_rules
from spcopilot.diagnostics.rules.base import REQUIRED_SECTIONS, doc_sections

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_metadata_and_docs(rule) -> None:  # type: ignore[no-untyped-def]
    assert rule.code.startswith("SPC") and len(rule.code) == 6 and rule.code[3] in "12345678"
    assert rule.name == rule.name.lower() and " " not in rule.name
    assert rule.summary and not rule.summary.endswith(".")
    sections = doc_sections(rule)
    for section in REQUIRED_SECTIONS:
        assert sections.get(section), f"{rule.code}: docs lack a non-empty '## {section}'"
    assert "```sourcepawn" in sections["Example"], f"{rule.code}: the example is not a sourcepawn block"
    assert "```sourcepawn" in sections["Use instead"] or "`" in sections["Use instead"]


def test_rule_names_are_unique() -> None:
    names = [r.name for r in all_rules()]
    assert len(names) == len(set(names))


def test_at_least_forty_rules_across_all_families() -> None:
    rules = all_rules()
    assert len(rules) >= 40
    assert {r.family for r in rules} == {
        "api",
        "events",
        "entity-props",
        "timers-handles",
        "security",
        "buffers",
        "style",
        "linter",
    }


def test_style_rules_are_hints_only() -> None:
    from spcopilot.diagnostics.model import Severity

    assert all(r.severity is Severity.HINT for r in all_rules() if r.family == "style")


def test_readme_rule_table_is_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert readme_with_rules(text) == text, (
        "README rule table is stale: run `python -m spcopilot.diagnostics.rule_docs README.md`"
    )
