"""Ctrl-C during generation: the model call runs on a worker thread; the main thread waits and,
on KeyboardInterrupt, cancels the request (the backend stops within a token or closes its
stream), waits for the worker to end, and raises `Interrupted` (the command exits 130)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from spcopilot.server.ai.backends.base import Cancelled, CancelToken

T = TypeVar("T")
EXIT_INTERRUPTED = 130


class Interrupted(Exception):
    """The user pressed Ctrl-C and the work in flight has stopped."""


def run_cancellable(call: Callable[[], T], tokens: Iterable[CancelToken]) -> T:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # handed to the main thread below
            box["error"] = exc

    worker = threading.Thread(target=target, name="spcopilot-generate", daemon=True)
    worker.start()
    try:
        wait_for(worker)
    except KeyboardInterrupt:
        cancel_all(tokens)
        wait_for(worker)  # a second Ctrl-C leaves at once (the worker is a daemon thread)
        raise Interrupted from None
    error = box.get("error")
    if isinstance(error, Cancelled):
        raise Interrupted from None
    if error is not None:
        raise error
    return box["value"]


def wait_for(worker: threading.Thread) -> None:
    while worker.is_alive():
        worker.join(0.25)  # short joins keep the main thread responsive to Ctrl-C


def cancel_all(tokens: Iterable[CancelToken]) -> None:
    for token in list(tokens):
        token.cancel()
