"""Offline means offline: generation with the llamacpp backend on the real model in a network
namespace with no interface up (`unshare -n`, as root) and with every network attempt from Python
refused and recorded (tests/model/offline_probe.py); and nothing of ours, nor the libraries it
loads (transformers, huggingface_hub, torch, trl, peft, llama-cpp-python), reaches for the
network when imported or when loading a local model. Where `unshare -n` is not allowed the audit
alone runs (it sees Python's sockets, not C's), and the test says which in its output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

from spcopilot.server.ai.pretrained import PretrainedFiles

from tests.tiny_model import TinyModel

PROBE = Path(__file__).resolve().with_name("offline_probe.py")
ROOT = PROBE.parents[2]
PROXIES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "no_proxy")


@cache
def namespace() -> list[str]:
    """`unshare -n` when this process may create a network namespace, else nothing."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True, check=False).returncode == 0:
        return [unshare, "-n"]
    return []


def offline(report: Path, *args: str, timeout: float = 600) -> tuple[subprocess.CompletedProcess[str], dict]:
    env = {k: v for k, v in os.environ.items() if k not in PROXIES}
    command = [*namespace(), sys.executable, str(PROBE), str(report), *args]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout, check=False)
    print(f"offline run ({'network namespace + audit' if namespace() else 'audit only: unshare -n not allowed'})")
    assert report.is_file(), done.stderr[-3000:]
    return done, json.loads(report.read_text(encoding="utf-8"))


def test_the_namespace_really_has_no_network(tmp_path: Path) -> None:
    if not namespace():
        print("unshare -n is not allowed here: only the audit hook runs")
        return
    reach = (
        "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 80), 2)\nexcept OSError as e:\n    print(e)\n"
    )
    done = subprocess.run([*namespace(), sys.executable, "-c", reach], capture_output=True, text=True, check=False)
    assert "unreachable" in done.stdout.lower(), done.stdout + done.stderr


def test_the_probe_sees_an_attempt_a_library_swallows(tmp_path: Path) -> None:
    """A telemetry-style call that hides its failure is still caught (what the tests below rely on)."""
    quiet = "import urllib.request\ntry:\n    urllib.request.urlopen('http://example.com/ping', timeout=2)\nexcept Exception:\n    pass\n"
    _, report = offline(tmp_path / "quiet.json", "-c", quiet)
    assert report["exit"] == 0 and [event for event, _ in report["attempts"]][:1] == ["urllib.Request"]


def test_generate_runs_with_no_network(tmp_path: Path, real_model: PretrainedFiles) -> None:
    done, report = offline(
        tmp_path / "generate.json", "-m", "spcopilot", "generate", "announce when a tank spawns",
        "--gguf", str(real_model.gguf), "--threads", "1", "--max-tokens", "16", "--temperature", "0",
        "--no-repair", "--json",
    )  # fmt: skip
    assert report["attempts"] == [], report["attempts"]
    assert report["exit"] in (0, 1), done.stderr[-3000:]  # 1: the guard left errors in the model's code
    answer = json.loads(done.stdout)
    assert 0 < answer["usage"]["completion_tokens"] <= 16 and answer["guard"] is not None


IMPORT_AND_LOAD = """
import importlib, pkgutil, sys
import spcopilot
failed = []
for package in ("spcopilot.diagnostics", "spcopilot.server", "spcopilot.training", "spcopilot.export"):
    module = importlib.import_module(package)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        if info.name.endswith("__main__"):  # (runs a command when imported)
            continue
        try:
            importlib.import_module(info.name)
        except ImportError as e:  # an optional engine (unsloth) that is not installed
            failed.append(f"{info.name}: {e}")
print("not importable:", failed, file=sys.stderr)
hf_dir, gguf = sys.argv[1], sys.argv[2]
from transformers import AutoModelForCausalLM, AutoTokenizer
AutoTokenizer.from_pretrained(hf_dir)
AutoModelForCausalLM.from_pretrained(hf_dir)
from spcopilot.server.ai.backends.base import GenerationOptions
from spcopilot.server.ai.backends.llamacpp import LlamaCppBackend
backend = LlamaCppBackend(gguf, threads=1, context_size=512)
print(len(backend.complete("public void OnPluginStart()", GenerationOptions(max_tokens=4)).text) >= 0)
"""


def test_no_import_or_model_load_reaches_for_the_network(tmp_path: Path, tiny_model: TinyModel) -> None:
    done, report = offline(tmp_path / "imports.json", "-c", IMPORT_AND_LOAD, str(tiny_model.hf_dir),
                           str(tiny_model.gguf_q8))  # fmt: skip
    assert report["attempts"] == [], report["attempts"]
    assert report["exit"] == 0 and done.stdout.strip().endswith("True"), done.stderr[-3000:]
