import os
from pathlib import Path

import pytest

# A crashing rule must fail the test that triggers it, not be skipped with a log line.
os.environ.setdefault("SPCOPILOT_STRICT", "1")

# Session fixtures for tests that use the tiny local model (tests/model_fixtures.py), the real
# pretrained model (tests/real_model.py), and the stand-in for SourcePawn's compiler
# (tests/spcomp_standin.py).
pytest_plugins = ["tests.model_fixtures", "tests.real_model", "tests.spcomp_standin"]

# Two stages (.ci/run runs both): `pytest -m "not slow"`, spread over the cores (a worker per core
# plus one), then `pytest -m slow` (a worker per core, each file on one worker). A test is slow
# when it drives a real editor (a file under tests/e2e/), needs a model (one of SLOW_FIXTURES,
# directly or through another fixture), or says so with `@pytest.mark.slow` (it takes seconds on
# its own: a fuzz slice, a whole pipeline, a server started per test).
TESTS = Path(__file__).resolve().parent
SLOW_FOLDERS = frozenset({"e2e"})
SLOW_FIXTURES = frozenset({"tiny_model", "real_model"})


def is_slow(item: pytest.Item) -> bool:
    folder = item.path.relative_to(TESTS).parts[0] if item.path.is_relative_to(TESTS) else ""
    return folder in SLOW_FOLDERS or not SLOW_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if is_slow(item):
            item.add_marker(pytest.mark.slow)
