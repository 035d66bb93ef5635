"""The LSP features, registered on the server. Each handler converts the params, calls a plain
function from `spcopilot.server.features` and converts its result back."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from spcopilot.diagnostics.document import Document
from spcopilot.diagnostics.errors import SpcopilotError
from spcopilot.server.features import code_actions, completion, hover, navigation, signature
from spcopilot.server.features.code_actions import FIX_ALL
from spcopilot.server.features.view import DocumentView
from spcopilot.server.lsp import ai, convert, semantic
from spcopilot.server.lsp.language_server import SpcopilotServer
from spcopilot.server.lsp.supervisor import QUARANTINE

TRIGGER_CHARACTERS = ['"', ".", "(", "<", "/"]  # `<` and `/`: include paths


log = logging.getLogger("spcopilot.server")
F = TypeVar("F", bound=Callable[..., Any])


class RequestFailed(JsonRpcException):
    """LSP's RequestFailed: the request was valid but could not be answered."""

    CODE = -32803


def guarded(handler: F) -> F:
    """A SpcopilotError in a handler becomes an LSP error carrying its message, and a log line."""
    if asyncio.iscoroutinefunction(handler):

        @functools.wraps(handler)
        async def run_async(*args: Any) -> Any:
            try:
                return await handler(*args)
            except SpcopilotError as error:
                log.warning("%s", error)
                raise RequestFailed(str(error)) from None

        return run_async  # type: ignore[return-value]

    @functools.wraps(handler)
    def run(*args: Any) -> Any:
        try:
            return handler(*args)
        except SpcopilotError as error:
            log.warning("%s", error)
            raise RequestFailed(str(error)) from None

    return run  # type: ignore[return-value]


def _kind(kind: Any) -> str:
    return str(getattr(kind, "value", kind))


def create_server() -> SpcopilotServer:
    server = SpcopilotServer()

    def feature(name: str, options: Any = None) -> Callable[[F], F]:
        return lambda handler: server.feature(name, options)(guarded(handler))

    # -- lifecycle and configuration ----------------------------------------------------------
    @feature(types.INITIALIZE)
    def initialize(ls: SpcopilotServer, params: types.InitializeParams) -> None:
        ls.initialize(params)

    @feature(types.INITIALIZED)
    async def initialized(ls: SpcopilotServer, params: types.InitializedParams) -> None:
        await ls.initialized()

    @feature(types.SHUTDOWN)
    def shutdown(ls: SpcopilotServer, params: Any) -> None:
        ls.error_logs.stop()
        ls.analysis.stop()

    @feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: SpcopilotServer, params: types.DidChangeConfigurationParams) -> None:
        await ls.configuration_changed(params.settings)

    @feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def did_change_watched_files(ls: SpcopilotServer, params: types.DidChangeWatchedFilesParams) -> None:
        await ls.files_changed(params.changes)

    @feature(QUARANTINE)
    def quarantine(ls: SpcopilotServer, params: Any) -> None:
        ls.quarantine(params)

    # -- documents ----------------------------------------------------------------------------
    @feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: SpcopilotServer, params: types.DidOpenTextDocumentParams) -> None:
        doc = params.text_document
        ls.opened(doc.uri, doc.text, doc.version)
        ls.diagnostics.schedule(doc.uri, 0)

    @feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: SpcopilotServer, params: types.DidChangeTextDocumentParams) -> None:
        doc = params.text_document
        if ls.changed(doc.uri, convert.text_changes(params.content_changes), doc.version):
            ls.compile_on_save.changed(doc.uri)
            ls.diagnostics.schedule(doc.uri)

    @feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: SpcopilotServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.compile_on_save.saved(params.text_document.uri)

    @feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: SpcopilotServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.compile_on_save.closed(params.text_document.uri)
        ls.closed(params.text_document.uri)
        ls.diagnostics.clear(params.text_document.uri)

    # -- diagnostics (pull) --------------------------------------------------------------------
    @feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(identifier="spcopilot", inter_file_dependencies=True, workspace_diagnostics=True),
    )
    async def document_diagnostic(
        ls: SpcopilotServer, params: types.DocumentDiagnosticParams
    ) -> types.DocumentDiagnosticReport:
        await ls.configured()
        return await ls.diagnostics.document_report(params.text_document.uri, params.previous_result_id)

    @feature(types.WORKSPACE_DIAGNOSTIC)
    async def workspace_diagnostic(
        ls: SpcopilotServer, params: types.WorkspaceDiagnosticParams
    ) -> types.WorkspaceDiagnosticReport:
        await ls.configured()
        return await ls.diagnostics.workspace_report(params.previous_result_ids)

    # -- code actions --------------------------------------------------------------------------
    @feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL], resolve_provider=False),
    )
    async def code_action(ls: SpcopilotServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        only = [_kind(k) for k in params.context.only] if params.context.only else None

        def answer(document: Document, view: DocumentView) -> list[types.CodeAction]:
            start, end = convert.offset(document, params.range.start), convert.offset(document, params.range.end)
            found = code_actions.actions(
                view, start, end, only, lambda source: ls.project.lint(source, document.path or None)
            )
            return [convert.code_action(a, uri, document, ls.client) for a in found]

        out = await ls.on_document(uri, answer, with_diagnostics=True)
        if out is None:
            return None
        if only is None or any(k in ("quickfix", "") or k.startswith("quickfix") for k in only):
            out += ai.code_action_commands(ls, uri, params.range, params.context.diagnostics)
        return out

    # -- completion, hover, signatures ---------------------------------------------------------
    @feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=TRIGGER_CHARACTERS, resolve_provider=True),
    )
    async def complete(ls: SpcopilotServer, params: types.CompletionParams) -> types.CompletionList | None:
        uri = params.text_document.uri
        trigger = params.context.trigger_character if params.context else None
        limit = ls.project.settings.completion_limit

        def answer(document: Document, view: DocumentView) -> types.CompletionList:
            at = convert.offset(document, params.position)
            result = completion.complete(view, at, snippets=ls.client.snippets, limit=limit, trigger=trigger)
            return convert.completion_list(result, uri, document, at, ls.client)

        return await ls.on_document(uri, answer)

    @feature(types.COMPLETION_ITEM_RESOLVE)
    async def resolve_completion(ls: SpcopilotServer, item: types.CompletionItem) -> types.CompletionItem:
        data: Any = item.data if isinstance(item.data, dict) else {}
        if item.documentation:
            return item

        def answer(document: Document, view: DocumentView) -> types.CompletionItem:
            detail, markdown = completion.resolve(view, data)
            item.detail = item.detail if item.detail and not detail else detail or None
            item.documentation = convert.markup(markdown, ls.client) if markdown else None
            return item

        return await ls.on_document(str(data.get("uri", "")), answer) or item

    @feature(types.TEXT_DOCUMENT_HOVER)
    async def on_hover(ls: SpcopilotServer, params: types.HoverParams) -> types.Hover | None:
        def answer(document: Document, view: DocumentView) -> types.Hover | None:
            result = hover.hover(view, convert.offset(document, params.position))
            return convert.hover(result, document, ls.client) if result else None

        return await ls.on_document(params.text_document.uri, answer, with_diagnostics=True)

    @feature(
        types.TEXT_DOCUMENT_SIGNATURE_HELP,
        types.SignatureHelpOptions(trigger_characters=["(", ","], retrigger_characters=[","]),
    )
    async def signature_help(ls: SpcopilotServer, params: types.SignatureHelpParams) -> types.SignatureHelp | None:
        def answer(document: Document, view: DocumentView) -> types.SignatureHelp | None:
            result = signature.signature_help(view, convert.offset(document, params.position))
            return convert.signature_help(result, ls.client) if result else None

        return await ls.on_document(params.text_document.uri, answer)

    # -- navigation ----------------------------------------------------------------------------
    @feature(types.TEXT_DOCUMENT_DEFINITION)
    async def definition(ls: SpcopilotServer, params: types.DefinitionParams) -> list[types.Location] | None:
        def answer(document: Document, view: DocumentView) -> list[types.Location]:
            at = convert.offset(document, params.position)
            targets = navigation.definition(
                view, at, document.encoding, ls.project.resolve_include(document.path or None), ls.project.read
            )
            return [convert.location(t) for t in targets]

        return await ls.on_document(params.text_document.uri, answer)

    @feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def document_symbols(ls: SpcopilotServer, params: types.DocumentSymbolParams) -> Any:
        uri = params.text_document.uri

        def answer(document: Document, view: DocumentView) -> Any:
            return convert.document_symbols(navigation.outline(view), uri, document, ls.client)

        return await ls.on_document(uri, answer)

    @feature(types.WORKSPACE_SYMBOL)
    async def workspace_symbols(
        ls: SpcopilotServer, params: types.WorkspaceSymbolParams
    ) -> list[types.WorkspaceSymbol]:
        return [convert.workspace_symbol(s) for s in await ls.workspace_symbols(params.query)]

    ai.register(server, feature)
    semantic.register(server, feature)
    return server
