import os

# A crashing rule must fail the test that triggers it, not be skipped with a log line.
os.environ.setdefault("SPCOPILOT_STRICT", "1")

# Session fixtures for tests that use the tiny local model (tests/model_fixtures.py), the real
# pretrained model (tests/real_model.py), and the stand-in for SourcePawn's compiler
# (tests/spcomp_standin.py).
pytest_plugins = ["tests.model_fixtures", "tests.real_model", "tests.spcomp_standin"]
