"""Run Python code with every attempt to reach the network recorded (and refused): an audit hook
(PEP 578) sees each socket connect, name lookup and datagram send from Python code, including
one a library would swallow, and makes it fail. Used by tests/model/test_offline.py, which runs
it in a network namespace with no interface up (`unshare -n`) where it can, so that C code
(llama.cpp) has no network either.

    python tests/model/offline_probe.py REPORT.json -c "python code"
    python tests/model/offline_probe.py REPORT.json -m spcopilot generate ...

REPORT.json gets {"attempts": [[event, args], ...], "exit": code}.
"""

from __future__ import annotations

import json
import runpy
import sys
from typing import Any

NETWORK_EVENTS = frozenset(
    {
        "socket.connect",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyaddr",
        "socket.sendto",
        "socket.sendmsg",
        "http.client.connect",
        "urllib.Request",
    }
)


class NetworkRefused(OSError):
    pass


def main() -> None:
    report, mode, target, *rest = sys.argv[1:]
    attempts: list[list[Any]] = []

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event in NETWORK_EVENTS:
            attempts.append([event, [repr(a)[:200] for a in args]])
            raise NetworkRefused(f"offline probe: {event} refused")

    sys.addaudithook(hook)
    code = 0
    try:
        if mode == "-c":
            sys.argv = ["-c", *rest]
            exec(compile(target, "<offline>", "exec"), {"__name__": "__main__"})
        else:
            sys.argv = [target, *rest]
            runpy.run_module(target, run_name="__main__", alter_sys=True)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        with open(report, "w", encoding="utf-8") as f:
            json.dump({"attempts": attempts, "exit": code}, f)
    sys.exit(code)


if __name__ == "__main__":
    main()
