import os

# A crashing rule must fail the test that triggers it, not be skipped with a log line.
os.environ.setdefault("SPCOPILOT_STRICT", "1")
