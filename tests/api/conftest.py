"""Live `spcopilot api` servers on the replay backend, shared by the tests that only read from
them: one as users start it, one listening on every address with a token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.answers import write_replay
from tests.api.live_server import TEST_TOKEN, ApiServer, start_api


@pytest.fixture(scope="session")
def api_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("api")


@pytest.fixture(scope="session")
def replay_file(api_workdir: Path) -> Path:
    return write_replay(api_workdir)


@pytest.fixture(scope="session")
def replay_api(api_workdir: Path, replay_file: Path) -> Iterator[ApiServer]:
    server = start_api(["--replay-file", replay_file], api_workdir / "replay")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def token_api(api_workdir: Path, replay_file: Path) -> Iterator[ApiServer]:
    """Listening on every address, with a token (the requests still go to 127.0.0.1)."""
    server = start_api(["--host", "0.0.0.0", "--replay-file", replay_file], api_workdir / "token",
                       {"SPCOPILOT_API_TOKEN": TEST_TOKEN})  # fmt: skip
    server.url = server.url.replace("0.0.0.0", "127.0.0.1")
    yield server
    server.stop()
