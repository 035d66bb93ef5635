"""What one request may ask of the server: the body size (413), `max_tokens` (400), the model
requests one client runs at once (429 with Retry-After), how long a model request may take
(504; the model is stopped through the request's CancelToken, see model_calls.py) and how long
a check may take (504; its worker process is replaced, see check_workers.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from spcopilot.diagnostics.errors import ConfigError
from spcopilot.server.api.errors import ApiError, json_error

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Limits:
    max_body_bytes: int = 1024 * 1024  # a 10,000-line plugin is ~300 KB as JSON
    max_tokens: int = 4096  # the most a request may ask for as `max_tokens`
    concurrent_per_client: int = 2  # model requests at once per client address
    timeout_s: float = 120.0  # a model request is cancelled after this long
    check_timeout_s: float = 30.0  # a /v1/check is stopped after this long (its worker replaced)

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_tokens", "concurrent_per_client", "timeout_s", "check_timeout_s"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"the limit {name.replace('_', '-')} must be positive, not {getattr(self, name)}")

    def to_json(self) -> dict[str, object]:
        return {
            "max_body_bytes": self.max_body_bytes,
            "max_tokens": self.max_tokens,
            "concurrent_per_client": self.concurrent_per_client,
            "timeout_s": self.timeout_s,
            "check_timeout_s": self.check_timeout_s,
        }

    def max_tokens_of(self, requested: int | None, param: str = "max_tokens") -> int | None:
        """The request's max_tokens (None: the server's default); 400 above the limit."""
        if requested is not None and requested > self.max_tokens:
            raise ApiError(
                400,
                f"{param} = {requested} is more than this server allows ({self.max_tokens}); ask for at most {self.max_tokens}",
                code="max_tokens_too_large",
                param=param,
            )
        return requested


class ClientSlots:
    """Model requests in flight per client address. Used from the event loop only (no lock)."""

    RETRY_AFTER_S = 1

    def __init__(self, per_client: int) -> None:
        self.per_client = per_client
        self.running: dict[str, int] = {}

    def acquire(self, client: str) -> Callable[[], None]:
        """Take a slot for `client` (429 when it has none left); returns the release (idempotent)."""
        if self.running.get(client, 0) >= self.per_client:
            raise ApiError(
                429,
                f"too many requests at once from {client}: at most {self.per_client} model request(s) "
                "per client run at the same time; retry when one has finished",
                "rate_limit_error",
                "too_many_concurrent_requests",
                headers={"Retry-After": str(self.RETRY_AFTER_S)},
            )
        self.running[client] = self.running.get(client, 0) + 1
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            left = self.running[client] - 1
            if left:
                self.running[client] = left
            else:
                del self.running[client]

        return release


class BodySizeLimit:
    """ASGI middleware: 413 for a body larger than the limit, from its Content-Length before it
    is read, or while a chunked body is read (FastAPI re-raises the HTTPException it gets from
    `receive`, so the error handler answers it, in our error shape; FastAPI's own
    `max_body_size`, in its newest versions only, answers in its `{"detail"}` shape)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _error(self) -> ApiError:
        return ApiError(
            413,
            f"the request body is larger than this server accepts ({self.max_bytes:,} bytes)",
            code="body_too_large",
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await json_error(self._error())(scope, receive, send)
            return
        from starlette.exceptions import HTTPException

        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise HTTPException(413, self._error().message)
            return message

        await self.app(scope, counted, send)
