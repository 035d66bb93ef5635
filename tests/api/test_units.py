"""The API's pure pieces, without a server: the bind policy, the bearer check, the Host parsing,
the per-client slots, the limits, and that other commands never import the web stack."""

from __future__ import annotations

import subprocess
import sys

import pytest
from spcopilot.diagnostics.errors import ConfigError
from spcopilot.server.api.errors import ApiError
from spcopilot.server.api.limits import ClientSlots, Limits
from spcopilot.server.api.security import allowed_hosts_for, authorized, check_bind, host_of, is_loopback


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("192.168.1.10", False), ("no-such-host.invalid", False)],
)  # fmt: skip
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_the_bind_check() -> None:
    check_bind("127.0.0.1", None)
    check_bind("0.0.0.0", "x" * 16)
    with pytest.raises(ConfigError, match=r"refusing to listen on 0\.0\.0\.0 without a token"):
        check_bind("0.0.0.0", None)
    with pytest.raises(ConfigError, match="too short"):
        check_bind("127.0.0.1", "x" * 15)


def test_the_bearer_check() -> None:
    token = "t" * 20
    assert authorized(f"Bearer {token}", token) and authorized(f"bearer  {token} ", token)
    for header in (None, "", token, f"Basic {token}", f"Bearer {token}x", "Bearer"):
        assert not authorized(header, token), header


@pytest.mark.parametrize(
    ("header", "host"),
    [("127.0.0.1:8000", "127.0.0.1"), ("localhost", "localhost"), ("[::1]:8000", "::1"), ("[::1]", "::1")],
)
def test_host_of(header: str, host: str) -> None:
    assert host_of(header) == host


def test_allowed_hosts() -> None:
    assert allowed_hosts_for("0.0.0.0") is None
    assert allowed_hosts_for("127.0.0.1") == {"localhost", "127.0.0.1", "::1"}


def test_client_slots_count_per_client_and_release_once() -> None:
    slots = ClientSlots(per_client=2)
    first, second = slots.acquire("a"), slots.acquire("a")
    other = slots.acquire("b")
    with pytest.raises(ApiError) as refused:
        slots.acquire("a")
    assert refused.value.status == 429 and refused.value.headers == {"Retry-After": "1"}
    first()
    first()  # a second release frees nothing more
    third = slots.acquire("a")
    with pytest.raises(ApiError):
        slots.acquire("a")
    for release in (second, third, other):
        release()
    assert slots.running == {}


def test_limits() -> None:
    limits = Limits(max_tokens=64)
    assert limits.max_tokens_of(None) is None and limits.max_tokens_of(64) == 64
    with pytest.raises(ApiError, match="at most 64") as refused:
        limits.max_tokens_of(65, "max_completion_tokens")
    assert refused.value.param == "max_completion_tokens"
    with pytest.raises(ConfigError, match="timeout-s must be positive"):
        Limits(timeout_s=0)


def test_other_commands_never_import_the_web_stack() -> None:
    probe = (
        "import sys, spcopilot.cli as cli; cli.build_parser(); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'fastapi', 'starlette', 'uvicorn', 'pydantic'}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    listed = subprocess.run([sys.executable, "-m", "spcopilot", "--help"], capture_output=True, text=True, check=True)
    assert "serve the REST API and the web playground" in listed.stdout
