"""The semantic model's features on the server: declaration, type definition, references,
document highlight, rename, semantic tokens, call hierarchy and inlay hints. Thin handlers over
the pure functions of `spcopilot.server.features`; `register` adds them (server.py calls it).

Every question runs on the lane of the document it is asked from (`ls.on_document`), also those
that read the whole workspace (references, rename, the call hierarchy): they see that document as
of the edits sent before them, and every other file as the semantic workspace last indexed it (an
open document as of its last analysis, a closed one from disk). They used to run alone, as work
on no document, and then every later request on every document waited behind them and behind
whatever slow analysis of another document ran when they came: seconds of p99 in
bench/fuzz_lsp.py. Rename, the one that writes, checks that the index of every other open document
it edits is of that document's current text, and answers ContentModified (ask again) when not, so
an edit never lands on text it was not computed from."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcContentModified
from spcopilot.diagnostics.document import Document
from spcopilot.diagnostics.semantic import Decl
from spcopilot.server.features import (
    call_hierarchy,
    inlay_hints,
    navigation,
    references,
    rename,
    semantic_tokens,
)
from spcopilot.server.features.locations import Positions
from spcopilot.server.features.view import DocumentView
from spcopilot.server.lsp import convert
from spcopilot.server.lsp.language_server import SpcopilotServer

log = logging.getLogger(__name__)
T = TypeVar("T")
TOKENS_KEPT = 32  # documents whose last tokens are kept for a delta

LEGEND = types.SemanticTokensLegend(
    token_types=list(semantic_tokens.TOKEN_TYPES), token_modifiers=list(semantic_tokens.TOKEN_MODIFIERS)
)
_CALL_KIND = {
    "native": types.SymbolKind.Function,
    "stock": types.SymbolKind.Function,
    "forward": types.SymbolKind.Function,
    "function": types.SymbolKind.Function,
    "method": types.SymbolKind.Method,
    "constructor": types.SymbolKind.Constructor,
    "destructor": types.SymbolKind.Method,
}


def register(server: SpcopilotServer, feature: Callable[..., Any]) -> None:
    tokens: dict[str, tuple[str, list[int]]] = {}  # uri -> (result id, data) for deltas
    counter = [0]

    def locations(targets: list[Any]) -> list[types.Location]:
        return [convert.location(t) for t in targets]

    @feature(types.TEXT_DOCUMENT_DECLARATION)
    async def declaration(ls: SpcopilotServer, params: types.DeclarationParams) -> list[types.Location] | None:
        def answer(document: Document, view: DocumentView) -> list[types.Location]:
            at = convert.offset(document, params.position)
            return locations(navigation.declaration(view, at, document.encoding, ls.project.read))

        return await ls.on_document(params.text_document.uri, answer)

    @feature(types.TEXT_DOCUMENT_TYPE_DEFINITION)
    async def type_definition(ls: SpcopilotServer, params: types.TypeDefinitionParams) -> list[types.Location] | None:
        def answer(document: Document, view: DocumentView) -> list[types.Location]:
            at = convert.offset(document, params.position)
            return locations(navigation.type_definition(view, at, document.encoding, ls.project.read))

        return await ls.on_document(params.text_document.uri, answer)

    @feature(types.TEXT_DOCUMENT_REFERENCES)
    async def find_references(ls: SpcopilotServer, params: types.ReferenceParams) -> list[types.Location] | None:
        include = params.context.include_declaration if params.context else True

        def answer(document: Document, view: DocumentView) -> list[types.Location]:
            at = convert.offset(document, params.position)
            return locations(references.references(view, at, include, document.encoding, ls.project.read))

        return await ls.on_document(params.text_document.uri, answer)

    @feature(types.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)
    async def highlight(
        ls: SpcopilotServer, params: types.DocumentHighlightParams
    ) -> list[types.DocumentHighlight] | None:
        def answer(document: Document, view: DocumentView) -> list[types.DocumentHighlight]:
            at = convert.offset(document, params.position)
            return [
                types.DocumentHighlight(
                    range=convert.byte_range(document.lines, h.start, h.end, document.encoding),
                    kind=types.DocumentHighlightKind.Write if h.write else types.DocumentHighlightKind.Read,
                )
                for h in references.highlights(view, at)
            ]

        return await ls.on_document(params.text_document.uri, answer)

    @feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    async def prepare_rename(ls: SpcopilotServer, params: types.PrepareRenameParams) -> Any:
        def answer(document: Document, view: DocumentView) -> Any:
            target = rename.prepare(view, convert.offset(document, params.position))
            return types.PrepareRenamePlaceholder(
                range=convert.byte_range(document.lines, target.start, target.end, document.encoding),
                placeholder=target.placeholder,
            )

        return await ls.on_document(params.text_document.uri, answer)

    @feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
    async def do_rename(ls: SpcopilotServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
        asked = params.text_document.uri

        def answer(document: Document, view: DocumentView) -> types.WorkspaceEdit:
            edits = rename.rename(view, convert.offset(document, params.position), params.new_name)
            positions = Positions(view, document.encoding, ls.project.read)
            changes: dict[str, list[types.TextEdit]] = {}
            for path, ranges in edits.items():
                uri = ls.project.uri_of(path) or convert.path_to_uri(path)
                for start, end, text in ranges:
                    r = positions.range(path, start, end)
                    if r is not None:
                        changes.setdefault(uri, []).append(types.TextEdit(range=convert.lsp_range(r), new_text=text))
            versions = {uri: document.version if uri == asked else _indexed_version(ls, uri) for uri in changes}
            if not ls.client.document_changes:
                return types.WorkspaceEdit(changes=changes)
            return types.WorkspaceEdit(
                document_changes=[
                    types.TextDocumentEdit(
                        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=versions[uri]),
                        edits=list(text_edits),
                    )
                    for uri, text_edits in changes.items()
                ]
            )

        return await ls.on_document(params.text_document.uri, answer)

    tokens_options = types.SemanticTokensRegistrationOptions(
        legend=LEGEND, full=types.SemanticTokensFullDelta(delta=True), range=False
    )

    async def full_tokens(ls: SpcopilotServer, uri: str) -> types.SemanticTokens | None:
        def answer(document: Document, view: DocumentView) -> list[int]:
            return semantic_tokens.encode(view, document.encoding)

        data = await ls.on_document(uri, answer)
        if data is None:
            return None
        counter[0] += 1
        result_id = str(counter[0])
        tokens.pop(uri, None)
        tokens[uri] = (result_id, data)
        while len(tokens) > TOKENS_KEPT:  # the documents asked about longest ago (closed ones) go
            tokens.pop(next(iter(tokens)))
        return types.SemanticTokens(data=data, result_id=result_id)

    @feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, tokens_options)
    async def tokens_full(ls: SpcopilotServer, params: types.SemanticTokensParams) -> types.SemanticTokens | None:
        return await full_tokens(ls, params.text_document.uri)

    @feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL_DELTA)
    async def tokens_delta(ls: SpcopilotServer, params: types.SemanticTokensDeltaParams) -> Any:
        uri = params.text_document.uri
        previous = tokens.get(uri)
        full = await full_tokens(ls, uri)
        if full is None or previous is None or previous[0] != params.previous_result_id:
            return full
        return types.SemanticTokensDelta(
            edits=[
                types.SemanticTokensEdit(start=start, delete_count=count, data=data)
                for start, count, data in semantic_tokens.edits(previous[1], full.data)
            ],
            result_id=full.result_id,
        )

    @feature(types.TEXT_DOCUMENT_PREPARE_CALL_HIERARCHY)
    async def prepare_calls(ls: SpcopilotServer, params: types.CallHierarchyPrepareParams) -> Any:
        uri = params.text_document.uri

        def answer(document: Document, view: DocumentView) -> Any:
            decl = call_hierarchy.prepare(view.semantic, convert.offset(document, params.position))
            item = _call_item(ls, view, decl, document.encoding, uri) if decl is not None else None
            return [item] if item is not None else None

        return await ls.on_document(uri, answer)

    async def calls(ls: SpcopilotServer, item: types.CallHierarchyItem, outgoing: bool) -> Any:
        data = item.data if isinstance(item.data, dict) else {}
        path, start, uri = str(data.get("path", "")), int(data.get("start", -1)), str(data.get("uri", ""))

        def answer(document: Document, view: DocumentView) -> Any:
            workspace = view.workspace
            decl = call_hierarchy.find(workspace, path, start) if workspace is not None else None
            if decl is None or workspace is None:
                return None
            positions = Positions(view, document.encoding, ls.project.read)
            found = call_hierarchy.outgoing(workspace, decl) if outgoing else call_hierarchy.incoming(workspace, decl)
            out: list[Any] = []
            for call in found:
                other = _call_item(ls, view, call.decl, document.encoding, uri)
                ranges = [r for r in (positions.range(call.path, a, b) for a, b in call.spans) if r is not None]
                if other is None:
                    continue
                lsp_ranges = [convert.lsp_range(r) for r in ranges]
                if outgoing:
                    out.append(types.CallHierarchyOutgoingCall(to=other, from_ranges=lsp_ranges))
                else:
                    out.append(types.CallHierarchyIncomingCall(from_=other, from_ranges=lsp_ranges))
            return out

        return await ls.on_document(uri, answer)

    @feature(types.CALL_HIERARCHY_INCOMING_CALLS)
    async def incoming(ls: SpcopilotServer, params: types.CallHierarchyIncomingCallsParams) -> Any:
        return await calls(ls, params.item, outgoing=False)

    @feature(types.CALL_HIERARCHY_OUTGOING_CALLS)
    async def outgoing(ls: SpcopilotServer, params: types.CallHierarchyOutgoingCallsParams) -> Any:
        return await calls(ls, params.item, outgoing=True)

    @feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
    async def inlay(ls: SpcopilotServer, params: types.InlayHintParams) -> list[types.InlayHint] | None:
        def answer(document: Document, view: DocumentView) -> list[types.InlayHint]:
            if not ls.project.settings.inlay_hints:
                return []
            start, end = convert.offset(document, params.range.start), convert.offset(document, params.range.end)
            return [
                types.InlayHint(
                    position=document.position(h.offset),
                    label=h.label,
                    kind=types.InlayHintKind.Parameter,
                    padding_right=True,
                )
                for h in inlay_hints.hints(view, start, end)
            ]

        return await ls.on_document(params.text_document.uri, answer)


def _indexed_version(ls: SpcopilotServer, uri: str) -> int | None:
    """The version of another open document that a rename's edits to it were computed from
    (None: not open, edited on disk). Checked after its text was read for the edits' positions:
    when the workspace's index of it is older than its text, or it changed meanwhile on its own
    thread, the rename is refused with ContentModified and the editor may ask again."""
    current, version = ls.project.indexed_version(uri)
    if ls.project.document(uri) is None:
        return None
    if not current:
        raise JsonRpcContentModified(f"{uri} changed since it was last analysed: rename again")
    return version


def _call_item(
    ls: SpcopilotServer, view: DocumentView, decl: Decl, encoding: str, asked_from: str
) -> types.CallHierarchyItem | None:
    positions = Positions(view, encoding, ls.project.read)
    selection = positions.range(decl.path, decl.start, decl.end)
    whole = positions.range(decl.path, *decl.span)
    if selection is None or whole is None:
        return None
    uri = ls.project.uri_of(decl.path) or convert.path_to_uri(decl.path)
    return types.CallHierarchyItem(
        name=decl.name,
        kind=_CALL_KIND.get(decl.kind, types.SymbolKind.Function),
        uri=uri,
        range=convert.lsp_range(whole),
        selection_range=convert.lsp_range(selection),
        detail=decl.signature or None,
        # the open document the question came from: its view answers the follow-up requests
        data={"path": decl.path, "start": decl.start, "uri": asked_from},
    )
