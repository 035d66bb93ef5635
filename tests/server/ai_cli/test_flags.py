"""Where the AI settings of a command come from: flags over environment over the `[ai]` table of
.spcopilot.toml; the file's engine keys still configure the guard; keys never from a file."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pytest
from spcopilot.diagnostics.errors import ConfigError
from spcopilot.server.ai.cli import flags

from .conftest import Run


def args(**given: object) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    flags.add_backend_flags(parser)
    namespace = parser.parse_args([])
    for key, value in given.items():
        setattr(namespace, key, value)
    return namespace


def test_flags_over_environment_over_file(tmp_path: Path) -> None:
    (tmp_path / ".spcopilot.toml").write_text(
        '[ai]\nbackend = "openai"\nmodel = "from-file"\nbase-url = "http://file/v1"\nmax-tokens = 100\n'
        "temperature = 0.5\n[ai.prices.from-file]\ninput = 1.0\noutput = 2.0\n"
    )
    environ = {"SPCOPILOT_MODEL": "from-env"}
    resolved = flags.resolve(args(max_tokens=7), environ, start=tmp_path)
    settings = resolved.settings
    assert resolved.file == tmp_path / ".spcopilot.toml"
    assert settings.backend == "openai" and settings.base_url == "http://file/v1"  # file
    assert settings.model == "from-env"  # environment over file
    assert settings.max_tokens == 7 and settings.temperature == 0.5  # flag over file; file over default
    assert settings.prices == {"from-file": {"input": 1.0, "output": 2.0}}
    assert flags.resolve(args(model="from-flag"), environ, start=tmp_path).settings.model == "from-flag"


def test_file_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / ".spcopilot.toml").write_text('[ai]\nbackend = "replay"\nreplay-file = "rec/answers.jsonl"\n')
    sub = tmp_path / "scripting" / "deep"
    sub.mkdir(parents=True)
    settings = flags.resolve(args(), {}, start=sub).settings
    assert settings.replay_file == tmp_path / "rec" / "answers.jsonl"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('api-key = "sk-x"', "keys do not belong in files; set OPENAI_API_KEY"),
        ("apiKey = 'sk-x'", "keys do not belong in files"),
        ("colour = 1", "unknown setting `ai.colour`"),
        ('backend = "gpt"', "`backend` = 'gpt'"),
        ("threads = -2", "setting `threads` = -2"),
    ],
)
def test_bad_ai_tables(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / ".spcopilot.toml").write_text(f"[ai]\n{table}\n")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        flags.resolve(args(), {}, start=tmp_path)


def test_backend_inferred_from_a_lone_flag() -> None:
    assert flags.infer_backend({"gguf": "m.gguf"}) == "llamacpp"
    assert flags.infer_backend({"replay-file": "r.jsonl"}) == "replay"
    assert flags.infer_backend({"model": "gpt-4o-mini", "base-url": "http://x"}) == "openai"
    assert flags.infer_backend({"gguf": "m.gguf", "model": "gpt-4o-mini"}) is None  # ambiguous: no guess
    assert flags.resolve(args(gguf=Path("m.gguf")), {"SPCOPILOT_BACKEND": "replay"}).settings.backend == "replay"


def test_the_files_engine_keys_configure_the_guard(cli: Callable[..., Run], replay: Path, tmp_path: Path) -> None:
    """One .spcopilot.toml for `check` and for generation: `ignore` silences SPC401 here too."""
    work = Path.cwd()
    (work / ".spcopilot.toml").write_text(f'ignore = ["SPC401"]\n[ai]\nbackend = "replay"\nreplay-file = "{replay}"\n')
    run = cli("generate", "announce hunter pounces")
    assert run.code == 0, run.err
    assert "lunge_pounce" in run.out and "SPC401" not in run.err
    assert "guard: fixed SPC101, SPC201\n" in run.err
    info = cli("info", "--json").json()
    assert isinstance(info, dict) and info["sources"]["config_file"] == str(work / ".spcopilot.toml")
    explicit = cli("generate", "announce hunter pounces", "--config", tmp_path / "absent.toml")
    assert explicit.code == 2 and "cannot read" in explicit.err


def test_sampling_settings_from_the_file_and_flags(tmp_path: Path) -> None:
    (tmp_path / ".spcopilot.toml").write_text(
        '[ai]\nbackend = "replay"\nreplay-file = "r.jsonl"\ntop-p = 0.9\ntop_k = 20\nminP = 0.1\nrepeat-penalty = 1.3\n'
    )
    settings = flags.resolve(args(seed=42), {}, start=tmp_path).settings
    options = settings.generation_options(16, ("\n",))
    assert (options.top_p, options.top_k, options.min_p, options.repeat_penalty, options.seed) == (
        0.9,
        20,
        0.1,
        1.3,
        42,
    )
    assert (options.max_tokens, tuple(options.stop), options.temperature) == (16, ("\n",), 0.2)
    elsewhere = tmp_path / "elsewhere" / ".spcopilot.toml"
    elsewhere.parent.mkdir()
    elsewhere.write_text('[ai]\nbackend = "none"\n')
    defaults = flags.resolve(args(), {}, start=elsewhere.parent).settings.generation_options()
    assert (defaults.top_p, defaults.top_k, defaults.min_p, defaults.repeat_penalty, defaults.seed) == (
        0.95,
        40,
        0.05,
        1.1,
        0,
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("top-p = 1.5", "top-p"),
        ("min-p = -0.1", "min-p"),
        ("repeat-penalty = 3", "repeat-penalty"),
        ("seed = 4294967295", "seed"),
        ("top-k = -1", "top-k"),
    ],
)
def test_sampling_settings_out_of_range_are_refused(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / ".spcopilot.toml").write_text(f'[ai]\nbackend = "none"\n{table}\n')
    with pytest.raises(ConfigError, match=message):
        flags.resolve(args(), {}, start=tmp_path)
