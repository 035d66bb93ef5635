"""`pip install .` gives a complete package: a wheel built from this checkout holds the
compiled grammar, every rule module and the knowledge tables, and works from a clean venv."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # .ci/run's second stage: builds a wheel and installs it in a new venv

# Run in the clean venv: the playground's page and a script, and where they were read from.
PLAYGROUND_PAGE = """
from starlette.testclient import TestClient
from spcopilot.diagnostics.config import Config
from spcopilot.server.ai.config import AISettings
from spcopilot.server.api.app import create_app
from spcopilot.server.api.limits import Limits
from spcopilot.server.api.routes.playground import PLAYGROUND
from spcopilot.server.api.runtime import ApiRuntime

app = create_app(ApiRuntime.start(AISettings(), Config(), Limits()))
with TestClient(app, base_url="http://127.0.0.1") as client:
    print(client.get("/").status_code, client.get("/playground/app.js").status_code)
print(PLAYGROUND)
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],  # isolated, as `pip install .`
        check=True,
        capture_output=True,
        timeout=600,
    )
    return next(out.glob("sourcepawn_copilot-*.whl"))


def test_wheel_contents(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("spcopilot/diagnostics/_sourcepawn") and n.endswith(".so") for n in names)
    for table in (
        "l4d2_events.tsv",
        "l4d2_event_misnames.tsv",
        "l4d2_netprops.tsv",
        "nonexistent_apis.tsv",
        "sm_deprecated.tsv",
    ):
        assert f"spcopilot/diagnostics/knowledge/data/{table}" in names
    rules = [n for n in names if n.startswith("spcopilot/diagnostics/rules/") and "/spc" in n]
    sources = list((REPO / "diagnostics" / "rules").glob("*/spc*.py"))
    assert len(rules) == len(sources) >= 40
    assert "spcopilot/server/__init__.py" in names and "spcopilot/__main__.py" in names
    # the copilot, the training configs and the evaluation battery ship too
    assert "spcopilot/server/ai/inline/completer.py" in names and "spcopilot/export/pipeline.py" in names
    assert "spcopilot/training/configs/a100-80gb.yaml" in names
    assert "spcopilot/training/configs/accelerate/ddp.yaml" in names
    assert "spcopilot/training/eval/data/battery.jsonl" in names
    # the REST API and the playground's page, which is served from the installed package's files
    assert "spcopilot/server/api/app.py" in names and "spcopilot/server/api/routes/chat.py" in names
    playground = {n.rsplit("/", 1)[1] for n in names if n.startswith("spcopilot/server/api/playground/")}
    shipped = {p.name for p in (REPO / "server" / "api" / "playground").iterdir() if p.is_file()}
    assert playground == shipped >= {"index.html", "app.js", "highlight.js", "style.css"}
    assert not any(n.endswith(("parser.c", "scanner.c", "grammar.json")) for n in names), (
        "grammar sources must not ship"
    )


def test_wheel_installs_and_checks_in_a_clean_venv(wheel: Path, tmp_path: Path) -> None:
    before = subprocess.run(
        [sys.executable, "-m", "pip", "show", "-f", "sourcepawn-copilot"], capture_output=True, text=True
    ).stdout
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)  # its own pip: installing with ours would touch our env
    python = env_dir / "bin" / "python"
    # The dependencies come from the test environment (a plain path entry: its editable-install
    # hooks are not run, so only the wheel can provide `spcopilot`).
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)], check=True, timeout=300
    )
    run = subprocess.run(
        [python, "-m", "spcopilot", "check", "--select", "SPC201", str(REPO / "examples")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert run.returncode == 1, run.stderr
    assert 'L4D2 has no event "pounce"' in run.stdout
    located = subprocess.run(
        [python, "-c", "import spcopilot.diagnostics as d; print(d.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert str(env_dir) in located.stdout  # the installed copy, not the checkout
    page = subprocess.run(  # the API's app, built from the installed package, serves its own page
        [python, "-c", PLAYGROUND_PAGE], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert page.returncode == 0, page.stderr
    statuses, folder = page.stdout.splitlines()
    assert statuses == "200 200" and folder.startswith(str(env_dir))
    after = subprocess.run(
        [sys.executable, "-m", "pip", "show", "-f", "sourcepawn-copilot"], capture_output=True, text=True
    ).stdout
    assert after == before, "installing the wheel changed the test environment"
