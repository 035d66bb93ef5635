"""`spcopilot chat` with stdin from a pipe: answers' code blocks come out guarded, the history
goes back to the model, /save writes ChatML JSONL, /reset forgets, /quit ends."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Run
from .openai_standin import StandIn


def feed(monkeypatch: pytest.MonkeyPatch, *lines: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(line + "\n" for line in lines)))


def test_code_blocks_are_guarded_and_saved(
    cli: Callable[..., Run], replay: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved, after_reset = tmp_path / "chat.jsonl", tmp_path / "empty.jsonl"
    feed(
        monkeypatch,
        "announce hunter pounces",
        f"/save {saved}",
        "/reset",
        f"/save {after_reset}",
        "/quit",
        "never read",
    )
    run = cli("chat", "--replay-file", replay)
    assert run.code == 0, run.err
    assert "Here is the plugin:" in run.out
    assert 'HookEvent("lunge_pounce"' in run.out and "GetRandomFloat(" in run.out
    assert '"pounce"' not in run.out and " RandomFloat(" not in run.out
    assert "fixed SPC401" in run.err and "(unsafe fix: review it)" in run.err and "fixed SPC201" in run.err

    messages = [json.loads(line) for line in saved.read_text(encoding="utf-8").splitlines()]
    assert [m["role"] for m in messages] == ["system", "user", "assistant"]
    assert messages[1]["content"] == "announce hunter pounces"
    assert "lunge_pounce" in messages[2]["content"] and "```sourcepawn" in messages[2]["content"]
    assert [json.loads(line)["role"] for line in after_reset.read_text(encoding="utf-8").splitlines()] == ["system"]


def test_history_goes_back_to_the_model(
    cli: Callable[..., Run], standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", standin.key)
    feed(monkeypatch, "announce hunter pounces", '"""', "now say hello", "in two lines", '"""')
    run = cli("chat", "--model", "gpt-4o-mini", "--base-url", standin.base_url)
    assert run.code == 0, run.err
    first, second = standin.chats
    assert [m["role"] for m in first["messages"]] == ["system", "user"]
    assert [m["role"] for m in second["messages"]] == ["system", "user", "assistant", "user"]
    assert "lunge_pounce" in second["messages"][2]["content"]  # the guarded answer is the history
    assert second["messages"][3]["content"] == "now say hello\nin two lines"
    assert run.err.count("$") == 2  # a cost line after each answer


def test_save_refuses_to_overwrite(
    cli: Callable[..., Run], replay: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    existing = tmp_path / "old.jsonl"
    existing.write_text("keep\n", encoding="utf-8")
    feed(monkeypatch, "hi", f"/save! {tmp_path / 'new.jsonl'}", f"/save {existing}")
    run = cli("chat", "--replay-file", replay)
    assert run.code == 2 and "exists" in run.err
    assert existing.read_text(encoding="utf-8") == "keep\n"
    assert len((tmp_path / "new.jsonl").read_text(encoding="utf-8").splitlines()) == 3


def test_backend_error_ends_a_piped_session(
    cli: Callable[..., Run], make_replay: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    only_pounce = make_replay([("pounce", "no code")])
    feed(monkeypatch, "something else")
    run = cli("chat", "--replay-file", only_pounce)
    assert run.code == 2 and "no recorded output" in run.err


def test_unknown_command_and_help(cli: Callable[..., Run], replay: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    feed(monkeypatch, "/frobnicate", "/help", "/cost")
    run = cli("chat", "--replay-file", replay)
    assert run.code == 0 and "unknown command /frobnicate" in run.err and "/save FILE" in run.err
    assert '"requests": 0' in run.err


@pytest.mark.parametrize("size", [1, 3, 17])
def test_a_terminal_sees_code_only_once_guarded(size: int, capsys: pytest.CaptureFixture[str]) -> None:
    """On a terminal prose streams as it comes; a code block is held until it is complete and
    shown guarded, whatever the pieces the model streams in."""
    from spcopilot.diagnostics.config import Config
    from spcopilot.server.ai.cli.chat import GuardedStream, guard_answer

    from .answers import FLAWED_PLUGIN

    answer = FLAWED_PLUGIN + "\nAnything else?"
    stream = GuardedStream(Config())
    seen = []
    for start in range(0, len(answer), size):
        stream.feed(answer[start : start + size])
        seen.append(capsys.readouterr().out)
    stream.finish()
    shown = "".join(seen) + capsys.readouterr().out
    assert shown == guard_answer(answer, Config()).text + "\n"
    assert '"pounce"' not in shown and " RandomFloat(" not in shown
    assert seen[0] != ""  # the prose before the code streamed at once


def test_a_cancelled_answer_drops_its_open_block(capsys: pytest.CaptureFixture[str]) -> None:
    from spcopilot.diagnostics.config import Config
    from spcopilot.server.ai.cli.chat import GuardedStream

    stream = GuardedStream(Config())
    stream.feed("Sure:\n```sourcepawn\nfloat f = RandomFloat(0.0, 1.0);\n")
    stream.finish(complete=False)
    assert capsys.readouterr().out == "Sure:\n\n(code block cancelled)\n"
