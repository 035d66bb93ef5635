"""`spcopilot api` as users start it: a real uvicorn server in a subprocess, on 127.0.0.1 with a
port the system picks (`--port 0`; the server prints the address it listens on), in a working
folder of its own, with no AI settings from the machine unless a test gives them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

CLEARED_ENV = ("SPCOPILOT_BACKEND", "SPCOPILOT_GGUF", "SPCOPILOT_MODEL", "OPENAI_BASE_URL", "SPCOPILOT_REPLAY_FILE",
               "OPENAI_API_KEY", "SPCOPILOT_API_TOKEN")  # fmt: skip
LISTENING = re.compile(r"spcopilot api: listening on (http://\S+)")
START_TIMEOUT_S = 120  # a cold start loads the model; the tiny one takes a second
TEST_TOKEN = "test-token-0123456789abcdef"  # SPCOPILOT_API_TOKEN of the servers that want one


@dataclass
class ApiServer:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def client(self, headers: Mapping[str, str] | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, headers=headers)

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """SIGINT, as Ctrl-C: uvicorn shuts down gracefully (the runtime stops its model calls)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def server_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENV}
    env.update(extra or {})
    return env


def run_api(args: Sequence[object], workdir: Path, env: Mapping[str, str] | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """`spcopilot api ARGS` expected to stop by itself (a refused start)."""
    return subprocess.run([sys.executable, "-m", "spcopilot", "api", *map(str, args)], cwd=workdir,
                          env=server_env(env), capture_output=True, text=True, timeout=timeout)  # fmt: skip


def start_api(args: Sequence[object], workdir: Path, env: Mapping[str, str] | None = None) -> ApiServer:
    """Start `spcopilot api --port 0 ARGS` and wait for its address (fails with its log if it exits)."""
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / f"api-{time.monotonic_ns()}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "spcopilot", "api", "--host", "127.0.0.1", "--port", "0", *map(str, args)],
            cwd=workdir,
            env=server_env(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        found = LISTENING.search(log.read_text(encoding="utf-8", errors="replace"))
        if found:
            return ApiServer(process, found.group(1), log)
        if process.poll() is not None:
            raise AssertionError(f"spcopilot api exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"spcopilot api did not start within {START_TIMEOUT_S} s:\n{log.read_text()[-4000:]}")
