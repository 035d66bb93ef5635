"""Every case of tests/semantic/fixtures/*.txt through the feature functions, in process."""

from __future__ import annotations

from pathlib import Path

import pytest

from .answers import check
from .fixture_format import Case, load, write_case
from .in_process import answer

FIXTURES = Path(__file__).parent / "fixtures"
CASES = load(FIXTURES)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("include-cache")


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 200
    assert len({c.name for c in CASES}) == len(CASES), "case names must be unique"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case, tmp_path: Path, cache: Path) -> None:
    write_case(case, tmp_path)
    problems = check(case, answer(case, tmp_path, cache))
    assert not problems, f"{case}:\n" + "\n".join(problems)
