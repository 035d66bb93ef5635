"""The project without LSP: configuration from the file and the client, document caches, the
workspace's files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from spcopilot.diagnostics.document import TextChange
from spcopilot.diagnostics.errors import ConfigError, SpcopilotError
from spcopilot.diagnostics.model import Position
from spcopilot.server.project import Project

from .features.helpers import WORKSPACE


def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(WORKSPACE, root)
    return root


def test_config_file_then_client(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    (root / ".spcopilot.toml").write_text('ignore = ["SPC101"]\n')
    project = Project(root, {"cache-dir": str(tmp_path / "cache")})
    assert project.config.ignore == ("SPC101",)
    assert project.config_file() == root / ".spcopilot.toml"
    project.configure({"ignore": ["SPC2"], "cache-dir": str(tmp_path / "cache")})
    assert project.config.ignore == ("SPC2",)


def test_bad_client_settings_keep_the_previous_ones(tmp_path: Path) -> None:
    project = Project(workspace(tmp_path), {"select": ["SPC2"]})
    generation = project.generation
    with pytest.raises(ConfigError, match="rule code"):
        project.configure({"select": ["nope"]})
    assert project.config.select == ("SPC2",) and project.generation == generation


def test_diagnostics_are_cached_per_version(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    project = Project(root, {"cache-dir": str(tmp_path / "cache")})
    path = root / "scripting" / "tank_alert.sp"
    uri = path.as_uri()
    project.open(uri, str(path), path.read_text(), 1)
    first = project.diagnostics(uri)
    assert {d.code for d in first} == {"SPC101", "SPC201"}
    assert project.diagnostics(uri) is first
    line = path.read_text().splitlines().index('\tHookEvent("tank_spawned", Event_TankSpawn);')
    project.change(uri, [TextChange("", Position(line, 22), Position(line, 24))], 2)
    assert {d.code for d in project.diagnostics(uri)} == {"SPC101"}


def test_workspace_files_and_closed_file_lint(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    (root / "scripting" / ".hidden").mkdir()
    (root / "scripting" / ".hidden" / "x.sp").write_text("")
    project = Project(root, {"cache-dir": str(tmp_path / "cache")})
    names = sorted(p.name for p in project.workspace_files())
    assert names == ["clean_plugin.sp", "pinned_speed.sp", "tank_alert.sp"]
    result = project.lint_file(root / "scripting" / "pinned_speed.sp")
    assert result is not None and {"SPC201", "SPC401", "SPC102"} <= {d.code for d in result.diagnostics}
    assert project.lint_file(root / "scripting" / "pinned_speed.sp") is result  # unchanged: cached


def test_a_bad_game_dir_is_a_settings_error(tmp_path: Path) -> None:
    project = Project(workspace(tmp_path), {"cache-dir": str(tmp_path / "cache")})
    with pytest.raises(SpcopilotError, match="not a folder"):
        project.configure({"game-dir": str(tmp_path / "no-such-game")})
    assert project.config.game_dir is None
