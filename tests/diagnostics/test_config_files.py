"""Credentials in config files (SPC506 "in plugin code or configs"): `spcopilot check` on a
named config file runs the plain-text credential scan, never the SourcePawn rules, never a fix."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from spcopilot.diagnostics import Config
from spcopilot.diagnostics.engine import lint_config

DATABASES = """"Databases"
{
\t"driver_default"\t\t"mysql"
\t"l4d2stats"
\t{
\t\t"driver"\t\t"mysql"
\t\t"host"\t\t\t"db.example.net"
\t\t"user"\t\t\t"stats"
\t\t"pass"\t\t\t"9fQ!xv2Lr"
\t}
\t"storage-local"
\t{
\t\t"driver"\t\t"sqlite"
\t\t"database"\t\t"sourcemod-local"
\t}
}
"""


def test_password_in_keyvalues_config_is_found_without_echoing_it() -> None:
    found = lint_config(DATABASES, "databases.cfg")
    assert [d.code for d in found] == ["SPC506"]
    d = found[0]
    assert DATABASES.encode()[d.start_byte : d.end_byte] == b"9fQ!xv2Lr"
    assert "9fQ!xv2Lr" not in d.message and "config file" in d.message
    assert d.fix is None


def test_placeholders_select_and_suppression() -> None:
    placeholder = DATABASES.replace("9fQ!xv2Lr", "YOUR_PASSWORD_HERE")
    assert lint_config(placeholder, "databases.cfg") == []
    assert lint_config(DATABASES, "databases.cfg", Config(ignore=("SPC506",))) == []
    suppressed = DATABASES.replace('"9fQ!xv2Lr"', '"9fQ!xv2Lr" // spcopilot: ignore[SPC506]')
    assert lint_config(suppressed, "databases.cfg") == []


def test_server_cfg_and_ini() -> None:
    assert [d.code for d in lint_config('hostname "My L4D2"\nrcon_password "k7#Pq2zW9"\n', "server.cfg")] == ["SPC506"]
    assert lint_config('hostname "My L4D2"\nsv_password ""\n', "server.cfg") == []


def test_cli_checks_a_named_config_file_and_changes_nothing(tmp_path: Path) -> None:
    cfg = tmp_path / "databases.cfg"
    cfg.write_text(DATABASES)
    run = subprocess.run(
        [sys.executable, "-m", "spcopilot", "check", "--fix", "--format", "json", str(cfg)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1, run.stderr
    assert [r["code"] for r in json.loads(run.stdout)] == ["SPC506"]
    assert cfg.read_text() == DATABASES
    folder = subprocess.run(
        [sys.executable, "-m", "spcopilot", "check", str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert folder.returncode == 0 and "databases.cfg" not in folder.stdout  # folders: .sp files only
