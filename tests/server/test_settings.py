"""Settings: one list in server/settings.py drives parsing, the server's defaults and the
README section (this test fails when they drift)."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest
from spcopilot.diagnostics.config import Config, from_mapping
from spcopilot.diagnostics.errors import ConfigError
from spcopilot.diagnostics.model import Severity
from spcopilot.server.settings import (
    SETTINGS,
    ServerSettings,
    engine_config,
    normalise_key,
    parse_server_settings,
    settings_markdown,
    unwrap,
)

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_settings_table_is_generated_from_the_code() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- settings:start")
    start = text.index("\n", start) + 1
    end = text.index("<!-- settings:end -->")
    assert text[start:end] == settings_markdown(), "regenerate the table with settings_markdown()"


def test_server_defaults_match_the_list() -> None:
    defaults = ServerSettings()
    server_only = [s for s in SETTINGS if not s.engine and s.group == "server"]
    assert {f.name for f in fields(ServerSettings)} == {s.name.replace("-", "_") for s in server_only}
    for s in server_only:
        assert getattr(defaults, s.name.replace("-", "_")) == s.default, s.name


def test_engine_settings_are_config_keys() -> None:
    for s in SETTINGS:
        if s.engine:
            from_mapping({s.name: s.default} if s.default is not None else {})


def test_key_spellings() -> None:
    assert {normalise_key(k) for k in ("includeDirs", "include_dirs", "include-dirs")} == {"include-dirs"}
    assert unwrap({"spcopilot": {"debounceMs": 10}}) == {"debounce-ms": 10}
    assert unwrap(None) == {}


def test_parse_and_reject() -> None:
    parsed = parse_server_settings({"debounce-ms": "75", "lint-workspace": False, "max-file-mb": 1})
    assert (parsed.debounce_ms, parsed.lint_workspace, parsed.max_file_bytes) == (75, False, 1024 * 1024)
    with pytest.raises(ConfigError, match="debounce-ms"):
        parse_server_settings({"debounce-ms": "soon"})
    with pytest.raises(ConfigError, match="unknown setting"):
        parse_server_settings({"colour": "blue"})


def test_client_values_override_the_file(tmp_path: Path) -> None:
    file_config = Config(ignore=("SPC101",), severity={"SPC201": Severity.HINT, "SPC401": Severity.INFO})
    merged = engine_config(file_config, {"severity": {"SPC201": "error"}, "include-dirs": ["inc"]}, tmp_path)
    assert merged.ignore == ("SPC101",)
    assert merged.severity == {"SPC201": Severity.ERROR, "SPC401": Severity.INFO}
    assert merged.include_dirs == (tmp_path / "inc",)


def test_ai_defaults_match_the_list() -> None:
    from spcopilot.server.ai.config import AISettings

    defaults = AISettings()
    ai = [s for s in SETTINGS if s.group == "ai"]
    assert {f.name for f in fields(AISettings)} == {s.name.replace("-", "_") for s in ai}
    for s in ai:
        assert getattr(defaults, s.name.replace("-", "_")) == (s.default if s.default is not None else None), s.name
