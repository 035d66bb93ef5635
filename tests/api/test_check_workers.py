"""/v1/check in worker processes: an input that hangs or crashes the parser in native code
costs that request a clear error and its worker a restart; the API and the next checks go on.
The faults are real native ones (tests/native_faults.py), inherited by the spawned workers."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ..native_faults import CRASH, HANG, fault_env
from .live_server import ApiServer, start_api

PLUGIN = "public void OnPluginStart()\n{\n    float f = RandomFloat(0.0, 1.0);\n}\n"

pytestmark = pytest.mark.skipif(os.name != "posix", reason="native faults through libc")


@pytest.fixture(scope="module")
def faulty_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    folder = tmp_path_factory.mktemp("faulty-api")
    server = start_api(["--check-timeout", "3"], folder, env=fault_env(folder))
    yield server
    server.stop()


def check(server: ApiServer, code: str) -> tuple[int, dict]:
    with server.client() as http:
        answer = http.post("/v1/check", json={"code": code})
    return answer.status_code, answer.json()


def test_a_check_that_hangs_in_native_code_gets_504_and_the_next_check_works(faulty_api: ApiServer) -> None:
    status, body = check(faulty_api, HANG + "\n" + PLUGIN)
    assert status == 504
    assert body["error"]["code"] == "check_timeout" and "longer than 3 s" in body["error"]["message"]
    status, body = check(faulty_api, PLUGIN)
    assert status == 200 and [d["code"] for d in body["diagnostics"]] == ["SPC101"]
    assert faulty_api.process.poll() is None


def test_a_check_that_crashes_the_parser_gets_500_and_the_next_check_works(faulty_api: ApiServer) -> None:
    status, body = check(faulty_api, CRASH + "\n" + PLUGIN)
    assert status == 500
    assert body["error"]["code"] == "checker_crashed" and "SIGSEGV" in body["error"]["message"]
    status, body = check(faulty_api, PLUGIN)
    assert status == 200 and [d["code"] for d in body["diagnostics"]] == ["SPC101"]


def test_small_checks_are_answered_while_a_large_one_hangs(faulty_api: ApiServer) -> None:
    """A large body goes to its own worker: small ones do not queue behind it."""
    large = HANG + "\n" + "// filler to make the body large\n" * 3000 + PLUGIN
    with ThreadPoolExecutor(4) as pool:
        stuck = pool.submit(check, faulty_api, large)
        small = [pool.submit(check, faulty_api, PLUGIN) for _ in range(3)]
        assert [f.result(timeout=60)[0] for f in small] == [200, 200, 200]
        assert not stuck.done(), "the small checks were answered while the large one was still running"
        assert stuck.result(timeout=60)[0] == 504


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_the_workers_go_with_the_api(tmp_path: Path) -> None:
    server = start_api([], tmp_path)
    try:
        assert check(server, PLUGIN)[0] == 200
        workers = children_of(server.process.pid)
        assert len(workers) >= 3  # two small-lane workers and a large-lane one
    finally:
        server.stop()
    # They exit with it, not necessarily before it: a worker (or multiprocessing's resource
    # tracker) may still be on its way out when the API process is gone, on a loaded machine.
    deadline = time.monotonic() + 30
    while [pid for pid in workers if alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if alive(pid)]


def alive(pid: int) -> bool:
    """Running (a zombie is dead: its exit status waits for a parent that reaps it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
