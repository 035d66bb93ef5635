"""Every fixture case through the real server over stdio: one server per fixture file."""

from __future__ import annotations

from pathlib import Path

import pytest

from .answers import Answer, check
from .fixture_format import Case, load
from .over_stdio import answers

FIXTURES = Path(__file__).parent / "fixtures"
CASES = load(FIXTURES)
FILES = sorted({c.source for c in CASES})


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Answer | str]]:
    root = tmp_path_factory.mktemp("stdio")
    out = {}
    for name in FILES:
        out[name] = answers([c for c in CASES if c.source == name], root / name.removesuffix(".txt"))
    return out


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case_over_stdio(case: Case, served: dict[str, dict[str, Answer | str]]) -> None:
    found = served[case.source][case.name]
    assert isinstance(found, Answer), f"{case}: {found}"
    problems = check(case, found)
    assert not problems, f"{case}:\n" + "\n".join(problems)
