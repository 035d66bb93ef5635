"""`spcopilot info`: backend, model, settings without the key, the loaded backend, knowledge stats."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from spcopilot.diagnostics.knowledge.apis import nonexistent_functions
from spcopilot.diagnostics.knowledge.events import builtin_l4d2, misnames
from spcopilot.diagnostics.knowledge.netprops import l4d2_netprops
from spcopilot.diagnostics.rules import all_rules

from .conftest import Run


def test_replay_backend_and_knowledge(cli: Callable[..., Run], replay: Path) -> None:
    run = cli("info", "--replay-file", replay, "--json")
    assert run.code == 0, run.err
    info = run.json()
    assert isinstance(info, dict)
    assert info["backend"] == "replay" and info["model"] == "replay:replay.jsonl"
    assert info["settings"]["replay-file"] == str(replay) and info["settings"]["api-key"] == "(not set)"
    assert info["price"]["local"] is True
    knowledge = info["knowledge"]
    assert knowledge["events"] == len(builtin_l4d2()) > 100
    assert knowledge["misnamed_events"] == len(misnames()) > 0
    assert knowledge["nonexistent_apis"] == len(nonexistent_functions()) > 0
    assert knowledge["netprops"] == len(l4d2_netprops()) > 0
    assert knowledge["rules"] == len(all_rules()) >= 40
    assert "session" not in info  # nothing was spent


def test_the_key_is_never_shown(cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-very-secret-123")
    for argv in (("info", "--model", "gpt-4o-mini"), ("info", "--model", "gpt-4o-mini", "--json")):
        run = cli(*argv)
        assert run.code == 0, run.err
        assert "sk-very-secret" not in run.out + run.err
        assert "(set)" in run.out and "OPENAI_API_KEY" in run.out
    text = cli("info", "--model", "gpt-4o-mini").out
    assert "backend:   openai" in text and "$0.15 in / $0.6 out" in text


def test_a_backend_that_cannot_load(cli: Callable[..., Run], tmp_path: Path) -> None:
    run = cli("info", "--gguf", tmp_path / "absent.gguf")
    assert run.code == 2
    assert "backend:   llamacpp" in run.out and "no GGUF model at" in run.out + run.err


def test_no_backend_is_not_an_error(cli: Callable[..., Run]) -> None:
    run = cli("info")
    assert run.code == 0 and "backend:   none" in run.out


def test_info_names_the_compiler_it_found(cli: Callable[..., Run], spcomp) -> None:  # type: ignore[no-untyped-def]
    run = cli("info")
    assert f"compiler:  {spcomp.path} (SourcePawn Compiler 1.12.0.7000 (stand-in))" in run.out
    compiler = cli("info", "--json").json()["compiler"]  # type: ignore[index]
    assert compiler == {"found": True, "path": str(spcomp.path), "version": "1.12.0.7000", "banner": spcomp.banner}


def test_info_says_why_no_compiler_is_used(cli: Callable[..., Run], tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PATH", str(tmp_path))
    assert "compiler:  none: no SourcePawn compiler found" in cli("info").out
    (Path.cwd() / ".spcopilot.toml").write_text('spcomp = "missing/spcomp64"\n')
    compiler = cli("info", "--json").json()["compiler"]  # type: ignore[index]
    assert compiler["found"] is False and compiler["configured"] is True
    assert compiler["reason"].endswith("missing/spcomp64: no such file")


def test_no_backend_has_no_price(cli: Callable[..., Run]) -> None:
    """With no backend there is nothing to price: not "local, costs nothing"."""
    text = cli("info").out
    assert "price:     none: no AI backend" in text and "costs nothing" not in text
    assert cli("info", "--json").json()["price"] is None  # type: ignore[index]
