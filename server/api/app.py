"""`create_app`: the FastAPI application over a runtime. Routes in routes/, the playground's
files under /playground/, the error handlers, and the two middlewares every request passes
first: access (Host check, bearer token), then the body-size limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from spcopilot.server.api.errors import install_error_handlers
from spcopilot.server.api.limits import BodySizeLimit
from spcopilot.server.api.routes import chat, check, complete, generate, health, playground
from spcopilot.server.api.runtime import ApiRuntime
from spcopilot.server.api.schemas import ChatCompletionChunk
from spcopilot.server.api.security import PUBLIC_PATHS, PUBLIC_PREFIXES, AccessGuard, allowed_hosts_for
from starlette.staticfiles import StaticFiles

from spcopilot import __version__

DESCRIPTION = """The SourcePawn Copilot runtime over HTTP: the engine's diagnostics and fixes, and
the model's code, always through the guard. `/v1/chat/completions` follows OpenAI's API. Errors
are `{"error": {"message", "type", "code", "param"}}`."""


def create_app(runtime: ApiRuntime, token: str | None = None, bind_host: str = "127.0.0.1") -> FastAPI:
    """The app; `token` makes every request but the playground's files and the schema need
    `Authorization: Bearer <token>`; a loopback `bind_host` limits the Host names answered."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        runtime.close()

    app = FastAPI(
        title="SourcePawn Copilot",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # (FastAPI's documentation pages load their scripts from a CDN)
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    install_error_handlers(app, runtime.redactor)
    for module in (health, check, complete, generate, chat, playground):
        app.include_router(module.router)
    app.mount("/playground", StaticFiles(directory=playground.PLAYGROUND), name="playground")
    app.add_middleware(BodySizeLimit, max_bytes=runtime.limits.max_body_bytes)
    app.add_middleware(AccessGuard, token=token, allowed_hosts=allowed_hosts_for(bind_host))
    app.openapi = lambda: _schema(app, token is not None, runtime.limits.max_tokens)  # type: ignore[method-assign]
    return app


def _schema(app: FastAPI, bearer: bool, max_tokens: int) -> dict[str, Any]:
    """FastAPI's schema, plus the stream's chunk, this server's max_tokens limit and, with a
    token, the bearer scheme."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi
    from pydantic.json_schema import models_json_schema

    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {})
    _, chunk = models_json_schema([(ChatCompletionChunk, "serialization")], ref_template="#/components/schemas/{model}")
    components.setdefault("schemas", {}).update(chunk.get("$defs", {}))
    _state_max_tokens(components["schemas"], max_tokens)
    if bearer:
        components["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
        for path, operations in schema["paths"].items():
            if path not in PUBLIC_PATHS and not path.startswith(PUBLIC_PREFIXES):
                for operation in operations.values():
                    operation["security"] = [{"bearer": []}]
    app.openapi_schema = schema
    return schema


def _state_max_tokens(schemas: dict[str, Any], limit: int) -> None:
    """The requests' `max_tokens` fields say this server's limit (the models know only a ceiling)."""
    for model in schemas.values():
        for name, field in model.get("properties", {}).items():
            if name in ("max_tokens", "max_completion_tokens"):
                for option in field.get("anyOf", [field]):
                    if "maximum" in option:
                        option["maximum"] = limit
