"""`spcopilot generate`: the printed/written code is the guarded code; what the guard could not
fix is on stderr in the engine's format; -o never overwrites or half-writes; errors exit 2."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Run
from .openai_standin import StandIn


def test_flawed_output_comes_out_fixed_or_flagged(cli: Callable[..., Run], replay: Path) -> None:
    run = cli("generate", "announce hunter pounces", "--replay-file", replay)
    assert run.code == 0, run.err
    assert 'HookEvent("lunge_pounce", Event_Pounce)' in run.out
    assert "GetRandomFloat(0.0, 1.0)" in run.out and "= RandomFloat(" not in run.out
    # generated code gets the unsafe fixes too, each reported for review
    assert "CreateTimer(1.0, Timer_Hello, GetClientUserId(client))" in run.out
    assert "fixed SPC201" in run.err and "fixed SPC101" in run.err
    assert "fixed SPC401" in run.err and "(unsafe fix: review it)" in run.err
    assert "guard: fixed SPC101, SPC201, SPC401; review the unsafe fixes of SPC401" in run.err


def test_output_file_is_the_guarded_code_and_never_overwritten(
    cli: Callable[..., Run], replay: Path, tmp_path: Path
) -> None:
    target = tmp_path / "pounce.sp"
    run = cli("generate", "announce hunter pounces", "--replay-file", replay, "-o", target)
    assert run.code == 0, run.err
    written = target.read_text(encoding="utf-8")
    assert "lunge_pounce" in written and "GetRandomFloat" in written
    assert run.out == "" and "fixed SPC401" in run.err and f"wrote {target}" in run.err

    target.write_text("// mine\n", encoding="utf-8")
    refused = cli("generate", "announce hunter pounces", "--replay-file", replay, "-o", target)
    assert refused.code == 2 and "exists; pass --force" in refused.err
    assert target.read_text(encoding="utf-8") == "// mine\n"

    forced = cli("generate", "announce hunter pounces", "--replay-file", replay, "-o", target, "--force")
    assert forced.code == 0 and target.read_text(encoding="utf-8") == written
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary files


def test_json_output(cli: Callable[..., Run], replay: Path) -> None:
    run = cli("generate", "announce hunter pounces", "--replay-file", replay, "--json")
    data = run.json()
    assert isinstance(data, dict)
    assert "lunge_pounce" in data["text"] and data["path"] is None
    fixed = {f["code"]: f for f in data["guard"]["fixed"]}
    assert set(fixed) == {"SPC101", "SPC201", "SPC401"} and data["guard"]["remaining"] == []
    assert fixed["SPC401"]["unsafe"] is True and not fixed["SPC201"]["unsafe"]
    assert fixed["SPC401"]["change"].startswith("Pass GetClientUserId(client)")
    assert data["usage"]["completion_tokens"] > 0 and data["cost_usd"] == 0


def test_syntax_errors_get_one_repair_round(cli: Callable[..., Run], replay: Path) -> None:
    repaired = cli("generate", "a broken plugin", "--replay-file", replay)
    assert repaired.code == 0, repaired.err
    assert 'PrintToServer("hello");' in repaired.out and "repaired by the model" in repaired.err

    unrepaired = cli("generate", "a broken plugin", "--replay-file", replay, "--no-repair")
    assert unrepaired.code == 1
    assert "unbalanced" in unrepaired.out and "syntax error" in unrepaired.err


def test_instruction_from_stdin(cli: Callable[..., Run], replay: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("announce hunter pounces\n"))
    run = cli("generate", "-", "--replay-file", replay)
    assert run.code == 0 and "lunge_pounce" in run.out


def test_through_an_openai_compatible_server(
    cli: Callable[..., Run], standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", standin.key)
    run = cli("generate", "announce hunter pounces", "--model", "gpt-4o-mini", "--base-url", standin.base_url)
    assert run.code == 0, run.err
    assert "lunge_pounce" in run.out and "SPC401" in run.err
    assert "$" in run.err and standin.key not in run.out + run.err
    assert ("POST", "/v1/chat/completions") in standin.requests


# ---- bad input ---------------------------------------------------------------------------------
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_base_url(cli: Callable[..., Run], tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    target = tmp_path / "never.sp"
    run = cli("generate", "x", "--base-url", url, "--model", "m", "--max-retries", "0", "-o", target)
    assert run.code == 2
    assert f"cannot reach {url}" in run.err and "base-url" in run.err
    assert not target.exists()


def test_unknown_backend(
    cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli("generate", "x", "--backend", "gpt")
    assert exited.value.code == 2 and "invalid choice: 'gpt'" in capsys.readouterr().err
    monkeypatch.setenv("SPCOPILOT_BACKEND", "gpt")
    run = cli("generate", "x")
    assert run.code == 2 and "`backend` = 'gpt'" in run.err


def test_missing_gguf(cli: Callable[..., Run], tmp_path: Path) -> None:
    run = cli("generate", "x", "--gguf", tmp_path / "absent.gguf")
    assert run.code == 2 and f"no GGUF model at {tmp_path / 'absent.gguf'}" in run.err


def test_no_backend_says_how_to_configure(cli: Callable[..., Run]) -> None:
    run = cli("generate", "x")
    assert run.code == 2 and "No AI backend is configured" in run.err


def test_output_folder_must_exist_and_instruction_must_not_be_empty(
    cli: Callable[..., Run], replay: Path, tmp_path: Path
) -> None:
    missing = cli("generate", "x", "--replay-file", replay, "-o", tmp_path / "nope" / "a.sp")
    assert missing.code == 2 and "no such folder" in missing.err
    empty = cli("generate", "  ", "--replay-file", replay)
    assert empty.code == 2 and "empty" in empty.err
