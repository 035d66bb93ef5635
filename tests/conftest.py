import os

# A crashing rule must fail the test that triggers it, not be skipped with a log line.
os.environ.setdefault("SPCOPILOT_STRICT", "1")

# Session fixtures for tests that use the tiny local model (tests/model_fixtures.py).
pytest_plugins = ["tests.model_fixtures"]
