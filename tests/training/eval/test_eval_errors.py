"""Bad input and failures: a message that names the file and line, exit code 2, and never an
output folder that looks complete when it is not."""

from __future__ import annotations

import errno
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Run, write_jsonl

ITEM = {"category": "events", "prompt": "Hook the hunter pounce event.", "required": ['"lunge_pounce"']}


@pytest.fixture
def replay(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "replay.jsonl", [{"output": '```sourcepawn\nHookEvent("lunge_pounce", X);\n```'}])


@pytest.fixture
def battery(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "battery.jsonl", [ITEM])


def run(cli: Callable[..., Run], battery: Path, out: Path, *backend: object) -> Run:
    return cli("eval", "run", "--battery", battery, "--out", out, *backend)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"category": "events", "prompt": "x", "required": ["a",', "not valid JSON"),
        ('["a list"]', "must be a JSON object"),
        ('{"category": "events", "prompt": ""}', '"prompt" must be a non-empty string'),
        ('{"category": "events", "prompt": "x", "requird": ["a"]}', "unknown key(s) requird"),
        ('{"category": "events", "prompt": "x", "required": [["a", 3]]}', '"required" must be a list of strings'),
        ('{"category": "events", "prompt": "x", "forbidden": ["re:(unclosed"]}', "does not compile"),
        ('{"category": "events", "prompt": "Hook the hunter pounce event."}', "the same prompt as line 2"),
    ],
)
def test_an_invalid_battery_line_is_reported_with_file_and_line(
    cli: Callable[..., Run], tmp_path: Path, replay: Path, line: str, message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("# a comment line\n" + json.dumps(ITEM) + "\n" + line + "\n", encoding="utf-8")
    result = run(cli, path, tmp_path / "out", "--replay-file", replay)
    assert result.code == 2
    assert f"{path}:3: " in result.err and message in result.err
    assert not (tmp_path / "out").exists()


def test_an_empty_battery_is_an_error(cli: Callable[..., Run], tmp_path: Path, replay: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("# nothing but comments\n\n", encoding="utf-8")
    result = run(cli, empty, tmp_path / "out", "--replay-file", replay)
    assert result.code == 2 and "the battery is empty" in result.err
    missing = run(cli, tmp_path / "nope.jsonl", tmp_path / "out", "--replay-file", replay)
    assert missing.code == 2 and "no such battery file" in missing.err


def test_an_invalid_probe_line_is_reported(
    cli: Callable[..., Run], tmp_path: Path, battery: Path, replay: Path
) -> None:
    probes = write_jsonl(tmp_path / "probes.jsonl", [{"name": "x", "kind": "event", "exists": "yes"}])
    result = cli(
        "eval", "run", "--battery", battery, "--probes", probes, "--replay-file", replay, "--out", tmp_path / "o"
    )
    assert result.code == 2 and f"{probes}:1: " in result.err and '"exists" must be true or false' in result.err
    odd = write_jsonl(tmp_path / "odd.jsonl", [{"name": "x", "kind": "sound", "exists": True}])
    result = cli("eval", "run", "--battery", battery, "--probes", odd, "--replay-file", replay, "--out", tmp_path / "o")
    assert result.code == 2 and '"kind" must be one of event, function, netprop' in result.err


def test_backend_errors(
    cli: Callable[..., Run], tmp_path: Path, battery: Path, replay: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SystemExit) as exit_info:  # argparse: not one of the choices
        run(cli, battery, tmp_path / "out", "--backend", "psychic")
    assert exit_info.value.code == 2
    none = run(cli, battery, tmp_path / "out")  # no backend configured at all
    assert none.code == 2 and "an evaluation needs a model" in none.err
    monkeypatch.setenv("SPCOPILOT_BACKEND", "psychic")
    unknown = run(cli, battery, tmp_path / "out")
    assert unknown.code == 2 and "psychic" in unknown.err
    monkeypatch.delenv("SPCOPILOT_BACKEND")
    bad_replay = tmp_path / "bad-replay.jsonl"
    bad_replay.write_text('{"output": 1}\n', encoding="utf-8")
    result = run(cli, battery, tmp_path / "out", "--replay-file", bad_replay)
    assert result.code == 2 and f"{bad_replay}:1: not a replay record" in result.err
    unanswered = write_jsonl(tmp_path / "other.jsonl", [{"prompt": "something else", "output": "x"}])
    result = run(cli, battery, tmp_path / "out", "--replay-file", unanswered)
    assert result.code == 2 and "every model call failed" in result.err
    assert not (tmp_path / "out").exists()


def test_an_existing_output_folder_is_kept_unless_overwrite(
    cli: Callable[..., Run], tmp_path: Path, battery: Path, replay: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    refused = run(cli, battery, out, "--replay-file", replay)
    assert refused.code == 2 and "already exists" in refused.err and (out / "keep.txt").exists()
    done = run(cli, battery, out, "--replay-file", replay, "--overwrite")
    assert done.code == 0 and not (out / "keep.txt").exists() and (out / "report.json").is_file()


def test_a_failed_write_leaves_no_output_folder(
    cli: Callable[..., Run], tmp_path: Path, battery: Path, replay: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spcopilot.training.eval import output

    def disk_full(path: Path, value: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output, "write_json", disk_full)  # report.json is written last
    result = run(cli, battery, tmp_path / "out", "--replay-file", replay)
    assert result.code == 2 and "no space left on the device" in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["battery.jsonl", "replay.jsonl", "work"]


def test_an_interrupted_run_leaves_no_output_folder(
    cli: Callable[..., Run], tmp_path: Path, battery: Path, replay: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spcopilot.training.eval import output

    def interrupted(path: Path, records: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(output, "write_jsonl", interrupted)
    result = run(cli, battery, tmp_path / "out", "--replay-file", replay)
    assert result.code == 130
    assert sorted(p.name for p in tmp_path.iterdir()) == ["battery.jsonl", "replay.jsonl", "work"]


def test_compare_refuses_what_is_not_a_report(
    cli: Callable[..., Run], tmp_path: Path, battery: Path, replay: Path
) -> None:
    assert run(cli, battery, tmp_path / "a", "--replay-file", replay).code == 0
    holes = tmp_path / "holes.json"
    holes.write_text(json.dumps({"kind": "holes", "summary": {}}), encoding="utf-8")
    mixed = cli("eval", "compare", tmp_path / "a", holes)
    assert mixed.code == 2 and "cannot compare a battery report with a holes report" in mixed.err
    missing = cli("eval", "compare", tmp_path / "a", tmp_path / "nothing")
    assert missing.code == 2 and "no such report" in missing.err
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json", encoding="utf-8")
    assert cli("eval", "compare", garbage, tmp_path / "a").code == 2
