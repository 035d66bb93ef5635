"""The tiny model (tests/tiny_model.py) behind the real backends: llama.cpp in-process, and
llama-cpp-python's own OpenAI-compatible server on 127.0.0.1 as the OpenAI peer."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.tiny_model import TinyModel


@pytest.fixture(scope="session")
def llama_backend(tiny_model: TinyModel) -> Iterator[object]:
    from spcopilot.server.ai.backends.llamacpp import LlamaCppBackend

    # One thread, as every other model in the suite: two llama.cpp threads wait for each other by
    # spinning, and on a machine shared with other work a test of 0.2 s took 40 s of CPU that way.
    backend = LlamaCppBackend(tiny_model.gguf_f16, threads=1, context_size=2048)
    yield backend
    backend.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class OpenAIPeer:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def start_peer(gguf: Path, log_dir: Path) -> OpenAIPeer:
    """`python -m llama_cpp.server` serving the tiny GGUF: a real OpenAI-protocol server."""
    port = free_port()
    log = log_dir / f"llama-server-{port}.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(gguf),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
            "--n_threads",
            "1",
            "--model_alias",
            "tiny",
        ],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"llama_cpp.server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/models", timeout=1) as answer:
                if answer.status == 200:
                    return OpenAIPeer(process, base, log)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("llama_cpp.server did not come up within 60 s")


@pytest.fixture(scope="session")
def openai_peer(tiny_model: TinyModel, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenAIPeer]:
    pytest.importorskip("uvicorn", reason="llama_cpp.server needs llama-cpp-python[server]")
    peer = start_peer(tiny_model.gguf_f16, tmp_path_factory.mktemp("peer"))
    yield peer
    peer.stop()
