"""Session fixtures for tests that need a real (tiny) model: see tests/tiny_model.py.

Loaded from tests/conftest.py through `pytest_plugins`. The first test that asks for
`tiny_model` builds it (~25 s on 2 cores, under a file lock) unless the cache already has it;
every later session reuses it. Tests that need it are skipped, with the reason, when the model
libraries (torch, transformers, peft, llama-cpp-python) are not installed.
"""

from __future__ import annotations

import importlib
import os

import pytest

from tests.tiny_model import TinyModel, build_tiny_model

MODEL_LIBRARIES = ("torch", "transformers", "tokenizers", "peft", "llama_cpp")


@pytest.fixture(scope="session")
def tiny_model() -> TinyModel:
    for module in MODEL_LIBRARIES:
        reason = f"the tiny test model needs {module} (pip install -e '.[train,local]')"
        if os.environ.get("CI"):  # CI installs them: a missing one is a failure, not a skip
            importlib.import_module(module)
        else:
            pytest.importorskip(module, reason=reason)
    return build_tiny_model()
