"""The installed `spcopilot` command as a real process: a generation end to end, and Ctrl-C
(SIGINT) in the middle of a streamed answer — exit 130, no file and no temporary file; a batch
interrupted the same way resumes where it stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.interruptible import interruptible

from .answers import CLEAN_PLUGIN, FLAWED_PLUGIN
from .conftest import AI_ENV
from .openai_standin import StandIn, running

SPCOPILOT = Path(sys.executable).with_name("spcopilot")
pytestmark = pytest.mark.skipif(not SPCOPILOT.is_file(), reason="the spcopilot script is not installed next to python")


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in AI_ENV}
    return env | extra


def test_generate_as_a_process(tmp_path: Path, replay: Path) -> None:
    target = tmp_path / "pounce.sp"
    done = subprocess.run(
        [SPCOPILOT, "generate", "announce hunter pounces", "--replay-file", replay, "-o", target],
        capture_output=True,
        text=True,
        env=environment(),
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "lunge_pounce" in target.read_text(encoding="utf-8")
    assert "SPC401" in done.stderr and f"wrote {target}" in done.stderr


def test_ctrl_c_cancels_cleanly(tmp_path: Path) -> None:
    state = StandIn(rules=[("pounce", FLAWED_PLUGIN)], key="sk-k", trickle_on="pounce")
    folder = tmp_path / "plugins"
    folder.mkdir()
    target = folder / "pounce.sp"
    with running(state):
        process = subprocess.Popen(
            interruptible(
                [
                    SPCOPILOT,
                    "generate",
                    "announce hunter pounces",
                    "--model",
                    "gpt-4o-mini",
                    "--base-url",
                    state.base_url,
                    "-o",
                    target,
                ]
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment(OPENAI_API_KEY="sk-k"),
            cwd=tmp_path,
        )
        try:
            assert state.streaming.wait(60), "the answer never started streaming"
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=60)
        finally:
            process.kill()
    assert process.returncode == 130, err
    assert "cancelled; nothing was written" in err and out == ""
    assert list(folder.iterdir()) == []  # neither the file nor a temporary one


def test_interrupted_batch_resumes(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("hello one\nhello slow\nhello three\n", encoding="utf-8")
    out = tmp_path / "out"
    state = StandIn(rules=[("hello", CLEAN_PLUGIN)], trickle_on="slow")
    argv: list[str | Path] = [SPCOPILOT, "batch", prompts, "--output", out, "-j", "1", "--model", "gpt-4o-mini"]
    with running(state):
        argv += ["--base-url", state.base_url]
        process = subprocess.Popen(
            interruptible(argv),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment(),
            cwd=tmp_path,
        )
        try:
            assert state.streaming.wait(60), "the slow answer never started"
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=60)
        finally:
            process.kill()
        assert process.returncode == 130, err
        assert "run the same command again" in err
        done = [p.name for p in out.glob("*.sp")]
        assert len(done) == 1 and done[0].startswith("hello-one-")

        state.trickle_on = ""
        resumed = subprocess.run(argv, capture_output=True, text=True, env=environment(), cwd=tmp_path, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert "2 generated, 1 already done" in resumed.stderr
    assert len(list(out.glob("*.sp"))) == 3
