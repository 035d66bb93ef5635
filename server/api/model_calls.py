"""Blocking model calls from async handlers: each runs on a model worker thread with its own
CancelToken, which is set when the request's time is up (504), when the client goes away, or
when the server shuts down, so the model stops (llama.cpp within one token, an OpenAI stream is
closed). A call takes one of its client's slots (429 when none is left) until it ends or is
given up.

Pieces a call emits (streamed tokens) and its end arrive, in order, through one queue that the
handler reads with `next()`; `result()` waits for the end."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from spcopilot.server.ai.backends.base import CancelToken
from spcopilot.server.api.errors import NO_RETRY, ApiError, ClientGone
from spcopilot.server.api.limits import Receive

if TYPE_CHECKING:
    from spcopilot.server.api.runtime import ApiRuntime
    from starlette.requests import Request

log = logging.getLogger("spcopilot.api")
T = TypeVar("T")
Emit = Callable[[str], None]
Work = Callable[[CancelToken, Emit], T]


class ModelCall(Generic[T]):
    def __init__(self, runtime: ApiRuntime, request: Request, work: Work[T]) -> None:
        self.client = client_of(request)
        self.release = runtime.slots.acquire(self.client)
        self.runtime = runtime
        self.token = CancelToken()
        self.loop = asyncio.get_running_loop()
        self.deadline = self.loop.time() + runtime.limits.timeout_s
        self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        try:
            job: Future[T] = runtime.executor.submit(work, self.token, self._emit)
        except RuntimeError:  # the executor was shut down: the server is stopping
            self.release()
            raise ApiError(503, "the server is shutting down", "server_error", "shutting_down") from None
        runtime.inflight.add(self.token)
        job.add_done_callback(self._finished)
        self.gone = asyncio.ensure_future(_disconnected(request.receive))
        self.done = False

    def _emit(self, piece: str) -> None:  # on the worker thread
        self._post(("piece", piece))

    def _finished(self, job: Future[T]) -> None:  # on the worker thread after its last piece (or at once)
        error = job.exception() if not job.cancelled() else ApiError(503, "the server is shutting down",
                                                                     "server_error", "shutting_down")  # fmt: skip
        self._post(("error", error) if error is not None else ("done", job.result()))

    def _post(self, event: tuple[str, Any]) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: the server stopped, nobody waits
            self.loop.call_soon_threadsafe(self.events.put_nowait, event)

    async def next(self) -> tuple[str, Any]:
        """("piece", text) or ("done", result); raises the call's error, 504 when the time is up,
        ClientGone when the client left (both stop the model)."""
        getter = asyncio.ensure_future(self.events.get())
        remaining = max(0.0, self.deadline - self.loop.time())
        finished, _ = await asyncio.wait({getter, self.gone}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
        if getter in finished:
            kind, value = getter.result()
            if kind == "error":
                self.close()
                raise value
            if kind == "done":
                self.close()
            return kind, value
        getter.cancel()
        self.close()
        if self.gone in finished:
            log.info("client %s went away: model call cancelled", self.client)
            raise ClientGone
        limit = self.runtime.limits.timeout_s
        raise ApiError(504, f"the model did not finish within {limit:g} s (this server's request timeout); "
                       "it was stopped", "timeout_error", "timeout", headers=NO_RETRY)  # fmt: skip

    async def result(self) -> T:
        try:
            while True:
                kind, value = await self.next()
                if kind == "done":
                    return value
        finally:
            self.close()

    def close(self) -> None:
        """Give the call up (the model is stopped unless it has finished) and free its slot."""
        if self.done:
            return
        self.done = True
        self.token.cancel()  # (a finished call ignores it)
        self.gone.cancel()
        self.release()
        self.runtime.inflight.discard(self.token)


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _disconnected(receive: Receive) -> None:
    """Returns when the client has closed the connection (the body has been read by then)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
