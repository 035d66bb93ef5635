"""Every error the API returns is JSON in OpenAI's shape, so OpenAI SDKs show its message:

    {"error": {"message": "...", "type": "invalid_request_error", "code": "max_tokens_too_large", "param": "max_tokens"}}

`ApiError` carries the status, the message and the headers (Retry-After, WWW-Authenticate,
x-should-retry); the handlers installed by `install_error_handlers` turn it, FastAPI's
validation errors, Starlette's 404/405, the engine's and the backends' errors, and anything
unexpected into that body. Messages pass through a `Redactor` first: the OpenAI key and the API
token never reach a response, and, through `RedactingFilter` on the log handlers, no log line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.responses import JSONResponse

log = logging.getLogger("spcopilot.api")

# `x-should-retry: false` tells the OpenAI SDKs not to retry what a retry cannot fix (they retry
# 5xx by default): no backend configured, the backend failed after its own retries, a timeout.
NO_RETRY = {"x-should-retry": "false"}


@dataclass
class ApiError(Exception):
    status: int
    message: str
    type: str = "invalid_request_error"
    code: str | None = None
    param: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


class ClientGone(Exception):
    """The client closed the connection before its answer: nobody is left to answer."""


def error_body(message: str, type: str, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type, "code": code, "param": param}}


def json_error(error: ApiError, redactor: Redactor | None = None) -> JSONResponse:
    from starlette.responses import JSONResponse

    message = redactor.redact(error.message) if redactor else error.message
    body = error_body(message, error.type, error.code, error.param)
    return JSONResponse(body, status_code=error.status, headers=dict(error.headers))


class Redactor:
    """Replaces secrets (the OpenAI key, the API token) in text with `***`."""

    MIN_LENGTH = 6  # shorter strings are too common to be replaced everywhere

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= self.MIN_LENGTH}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, "***")
        return text


class RedactingFilter(logging.Filter):
    """On a log handler: formats each record's message once and removes the secrets from it
    (and from a traceback, which is formatted later from `exc_info`: kept as redacted text)."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.redactor.secrets:
            return True
        record.msg, record.args = self.redactor.redact(record.getMessage()), ()
        if record.exc_info:
            record.exc_text = self.redactor.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


# -- handlers ------------------------------------------------------------------------------------
STATUS_TYPES = {
    400: ("invalid_request_error", "invalid_request"),
    401: ("authentication_error", "invalid_token"),
    404: ("not_found_error", "not_found"),
    405: ("invalid_request_error", "method_not_allowed"),
    413: ("invalid_request_error", "body_too_large"),
    415: ("invalid_request_error", "unsupported_media_type"),
}


def validation_message(errors: Sequence[Any]) -> tuple[str, str, str | None]:
    """FastAPI's validation errors as one sentence, the error code and the parameter named."""
    first = dict(errors[0]) if errors else {}
    if first.get("type") == "json_invalid":
        reason = (first.get("ctx") or {}).get("error", "")
        return f"the request body is not valid JSON{f' ({reason})' if reason else ''}", "invalid_json", None
    if tuple(first.get("loc", ())) == ("body",) and first.get("type") in ("model_attributes_type", "dict_type"):
        message = "the request body must be a JSON object, sent with `Content-Type: application/json`"
        return message, "invalid_json", None
    parts = []
    for error in list(errors)[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    location = [str(p) for p in first.get("loc", ()) if p != "body"]
    return "invalid request: " + "; ".join(parts) + more, "invalid_value", ".".join(location) or None


def install_error_handlers(app: FastAPI, redactor: Redactor) -> None:
    from fastapi.exceptions import RequestValidationError
    from spcopilot.diagnostics.errors import SpcopilotError
    from spcopilot.server.ai.backends.base import BackendError
    from starlette.exceptions import HTTPException
    from starlette.requests import Request
    from starlette.responses import Response

    async def api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return json_error(exc, redactor)

    async def invalid(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        message, code, param = validation_message(exc.errors())
        return json_error(ApiError(400, message, "invalid_request_error", code, param), redactor)

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        kind, code = STATUS_TYPES.get(exc.status_code, ("invalid_request_error", None))
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404:
            message = "no such endpoint; the API is described at /openapi.json"
        return json_error(ApiError(exc.status_code, message, kind, code, headers=exc.headers or {}), redactor)

    async def backend_error(_: Request, exc: Exception) -> JSONResponse:
        log.warning("backend: %s", exc)
        return json_error(ApiError(502, str(exc), "backend_error", "backend_error", headers=NO_RETRY), redactor)

    async def engine_error(_: Request, exc: Exception) -> JSONResponse:
        return json_error(ApiError(400, str(exc), "invalid_request_error", "rejected"), redactor)

    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        # (Starlette re-raises it after this answer, and uvicorn logs the traceback)
        message = "internal error (the server's log has the details)"
        return json_error(ApiError(500, message, "server_error", "internal_error"), redactor)

    async def client_gone(_: Request, exc: Exception) -> Response:
        return Response(status_code=499)  # (nginx's "client closed request": only the access log sees it)

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(ClientGone, client_gone)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(BackendError, backend_error)
    app.add_exception_handler(SpcopilotError, engine_error)
    app.add_exception_handler(Exception, unexpected)
