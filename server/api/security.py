"""Who may talk to the API.

- Bound to a loopback address (the default, 127.0.0.1) the API needs no token, but answers only
  requests whose Host header names the loopback (localhost, 127.0.0.1, [::1]): a web page the
  user visits cannot reach it through a DNS-rebinding trick.
- Any other bind address needs a token (`SPCOPILOT_API_TOKEN`, at least 16 characters); the
  server refuses to start without one. Every request then sends `Authorization: Bearer <token>`
  (compared in constant time), except the playground's static files and the schema, which
  hold nothing secret (the playground asks for the token).
- A token set with a loopback bind is required as well.
"""

from __future__ import annotations

import hmac
import ipaddress
import socket

from spcopilot.diagnostics.errors import ConfigError
from spcopilot.server.api.errors import ApiError, json_error
from spcopilot.server.api.limits import ASGIApp, Receive, Scope, Send

TOKEN_ENV = "SPCOPILOT_API_TOKEN"
MIN_TOKEN_LENGTH = 16
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
# Paths served without a token: the playground's page and assets, and the API's description.
PUBLIC_PATHS = frozenset({"/", "/openapi.json"})
PUBLIC_PREFIXES = ("/playground/",)


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or a name) only reaches this machine."""
    name = host.strip("[]")
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        pass
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(name, None)}
    except OSError:
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


def check_bind(host: str, token: str | None) -> None:
    """Refuse a bind address that is reachable from other machines without a token, and a
    token too short to be one."""
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise ConfigError(
            f"{TOKEN_ENV} is too short ({len(token)} characters, at least {MIN_TOKEN_LENGTH}); make one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        )
    if token is None and not is_loopback(host):
        raise ConfigError(
            f"refusing to listen on {host} without a token: other machines could use the model and "
            f"read your code. Set {TOKEN_ENV} (clients then send `Authorization: Bearer <token>`), "
            "or listen on 127.0.0.1 (the default)"
        )


def authorized(header: str | None, token: str) -> bool:
    """`Authorization: Bearer <token>`, compared in constant time."""
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), token.encode("utf-8"))


def host_of(header: str) -> str:
    """The host of a Host header, without the port: `[::1]:8000` -> `::1`."""
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class AccessGuard:
    """ASGI middleware: the Host check for loopback binds and the bearer token."""

    def __init__(self, app: ASGIApp, token: str | None, allowed_hosts: frozenset[str] | None) -> None:
        self.app = app
        self.token = token
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        error = self._refusal(scope.get("path", ""), headers)
        if error is not None:
            await json_error(error)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _refusal(self, path: str, headers: dict[str, str]) -> ApiError | None:
        host = headers.get("host")
        if self.allowed_hosts is not None and host is not None and host_of(host).lower() not in self.allowed_hosts:
            return ApiError(
                400,
                f"this server answers only to {', '.join(sorted(self.allowed_hosts))} (the request was for "
                f"{host!r}); to serve other names, listen on them with --host and a token",
                code="invalid_host",
            )
        if self.token is None or path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
            return None
        if authorized(headers.get("authorization"), self.token):
            return None
        missing = "authorization" not in headers
        return ApiError(
            401,
            f"this server needs `Authorization: Bearer <token>` (the token the server was started with, {TOKEN_ENV})"
            if missing
            else "the bearer token is not the one this server was started with",
            "authentication_error",
            "missing_token" if missing else "invalid_token",
            headers={"WWW-Authenticate": "Bearer"},
        )


def allowed_hosts_for(bind_host: str) -> frozenset[str] | None:
    """The Host names a loopback bind answers to (None: any, for other binds, which need a token)."""
    if not is_loopback(bind_host):
        return None
    return LOOPBACK_NAMES | {bind_host.strip("[]").lower()}
