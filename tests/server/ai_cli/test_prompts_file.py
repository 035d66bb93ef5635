"""Reading PROMPTS: JSONL or text, ids that are stable and safe as file names."""

from __future__ import annotations

from pathlib import Path

import pytest
from spcopilot.diagnostics.errors import InputError
from spcopilot.server.ai.cli.prompts_file import make_id, read_prompts


def test_text_and_jsonl(tmp_path: Path) -> None:
    text = tmp_path / "p.txt"
    text.write_text("Announce the Tank's health!\n\n  say hi  \n")
    items = read_prompts(text)
    assert [(i.prompt, i.line) for i in items] == [("Announce the Tank's health!", 1), ("say hi", 3)]
    assert items[0].id == make_id("Announce the Tank's health!") and items[0].id.startswith("announce-the-tank-s-")

    jsonl = tmp_path / "p.data"  # detected by its first line, whatever the suffix
    jsonl.write_text('{"id": 7, "prompt": "a"}\n{"prompt": "b"}\n')
    assert [(i.id, i.prompt) for i in read_prompts(jsonl)] == [("7", "a"), (make_id("b"), "b")]


def test_ids_are_stable_safe_and_short() -> None:
    assert make_id("say hi") == make_id("say hi") != make_id("say hi!")
    long = make_id("x" * 30 + " " + "y" * 30 + " ../../etc/passwd")
    assert len(long) <= 48 and "/" not in long and not long.startswith(".")
    assert make_id("¿¡!?").startswith("prompt-")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_bytes(b"\xff\xfe bad")
    with pytest.raises(InputError, match="not UTF-8"):
        read_prompts(path)
    with pytest.raises(InputError, match="is a folder"):
        read_prompts(tmp_path)
