"""The semantic model's features on the server: declaration, type definition, references,
document highlight, rename, semantic tokens, call hierarchy and inlay hints. Thin handlers over
the pure functions of `spcopilot.server.features`; `register` adds them (server.py calls it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lsprotocol import types
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
from spcopilot.server.lsp import convert
from spcopilot.server.lsp.language_server import SpcopilotServer

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


class RenameRefusedError(Exception):
    """Carried to the client as an LSP error with the refusal's reason."""


def register(server: SpcopilotServer, feature: Callable[..., Any]) -> None:
    tokens: dict[str, tuple[str, list[int]]] = {}  # uri -> (result id, data) for deltas
    counter = [0]

    def located(ls: SpcopilotServer, uri: str, position: types.Position) -> Any:
        found = ls.view(uri)
        if found is None:
            return None
        document, view = found
        return document, view, convert.offset(document, position)

    def locations(targets: list[Any]) -> list[types.Location]:
        return [convert.location(t) for t in targets]

    @feature(types.TEXT_DOCUMENT_DECLARATION)
    def declaration(ls: SpcopilotServer, params: types.DeclarationParams) -> list[types.Location] | None:
        found = located(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        document, view, at = found
        return locations(navigation.declaration(view, at, document.encoding, ls.project.read))

    @feature(types.TEXT_DOCUMENT_TYPE_DEFINITION)
    def type_definition(ls: SpcopilotServer, params: types.TypeDefinitionParams) -> list[types.Location] | None:
        found = located(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        document, view, at = found
        return locations(navigation.type_definition(view, at, document.encoding, ls.project.read))

    @feature(types.TEXT_DOCUMENT_REFERENCES)
    def find_references(ls: SpcopilotServer, params: types.ReferenceParams) -> list[types.Location] | None:
        found = located(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        document, view, at = found
        include = params.context.include_declaration if params.context else True
        return locations(references.references(view, at, include, document.encoding, ls.project.read))

    @feature(types.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)
    def highlight(ls: SpcopilotServer, params: types.DocumentHighlightParams) -> list[types.DocumentHighlight] | None:
        found = located(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        document, view, at = found
        return [
            types.DocumentHighlight(
                range=convert.byte_range(document.lines, h.start, h.end, document.encoding),
                kind=types.DocumentHighlightKind.Write if h.write else types.DocumentHighlightKind.Read,
            )
            for h in references.highlights(view, at)
        ]

    @feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    def prepare_rename(ls: SpcopilotServer, params: types.PrepareRenameParams) -> Any:
        found = located(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        document, view, at = found
        try:
            target = rename.prepare(view, at)
        except rename.RenameRefused as refused:
            raise _refusal(refused) from None
        return types.PrepareRenamePlaceholder(
            range=convert.byte_range(document.lines, target.start, target.end, document.encoding),
            placeholder=target.placeholder,
        )

    @feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
    def do_rename(ls: SpcopilotServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
        found = located(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        document, view, at = found
        try:
            edits = rename.rename(view, at, params.new_name)
        except rename.RenameRefused as refused:
            raise _refusal(refused) from None
        positions = Positions(view, document.encoding, ls.project.read)
        changes: dict[str, list[types.TextEdit]] = {}
        for path, ranges in edits.items():
            uri = ls.project.uri_of(path) or convert.path_to_uri(path)
            for start, end, text in ranges:
                r = positions.range(path, start, end)
                if r is not None:
                    changes.setdefault(uri, []).append(types.TextEdit(range=convert.lsp_range(r), new_text=text))
        if ls.client.document_changes:
            return types.WorkspaceEdit(
                document_changes=[
                    types.TextDocumentEdit(
                        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=_version(ls, uri)),
                        edits=list(text_edits),
                    )
                    for uri, text_edits in changes.items()
                ]
            )
        return types.WorkspaceEdit(changes=changes)

    tokens_options = types.SemanticTokensRegistrationOptions(
        legend=LEGEND, full=types.SemanticTokensFullDelta(delta=True), range=False
    )

    @feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, tokens_options)
    def tokens_full(ls: SpcopilotServer, params: types.SemanticTokensParams) -> types.SemanticTokens | None:
        found = ls.view(params.text_document.uri)
        if found is None:
            return None
        document, view = found
        data = semantic_tokens.encode(view, document.encoding)
        counter[0] += 1
        result_id = str(counter[0])
        tokens[params.text_document.uri] = (result_id, data)
        return types.SemanticTokens(data=data, result_id=result_id)

    @feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL_DELTA)
    def tokens_delta(ls: SpcopilotServer, params: types.SemanticTokensDeltaParams) -> Any:
        uri = params.text_document.uri
        previous = tokens.get(uri)
        full = tokens_full(ls, types.SemanticTokensParams(text_document=params.text_document))
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
    def prepare_calls(ls: SpcopilotServer, params: types.CallHierarchyPrepareParams) -> Any:
        found = located(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        document, view, at = found
        decl = call_hierarchy.prepare(view.semantic, at)
        if decl is None:
            return None
        item = _call_item(ls, view, decl, document.encoding)
        return [item] if item is not None else None

    def from_item(ls: SpcopilotServer, item: types.CallHierarchyItem) -> tuple[Any, Any] | None:
        data = item.data if isinstance(item.data, dict) else {}
        path, start, uri = str(data.get("path", "")), int(data.get("start", -1)), str(data.get("uri", ""))
        found = ls.view(uri)
        if found is None:
            return None
        document, view = found
        workspace = view.workspace
        decl = call_hierarchy.find(workspace, path, start) if workspace is not None else None
        return (view, document, decl) if decl is not None else None  # type: ignore[return-value]

    @feature(types.CALL_HIERARCHY_INCOMING_CALLS)
    def incoming(ls: SpcopilotServer, params: types.CallHierarchyIncomingCallsParams) -> Any:
        found = from_item(ls, params.item)
        if found is None:
            return None
        view, document, decl = found  # type: ignore[misc]
        positions = Positions(view, document.encoding, ls.project.read)
        out = []
        for call in call_hierarchy.incoming(view.workspace, decl):
            item = _call_item(ls, view, call.decl, document.encoding)
            ranges = [positions.range(call.path, a, b) for a, b in call.spans]
            if item is not None:
                out.append(
                    types.CallHierarchyIncomingCall(
                        from_=item, from_ranges=[convert.lsp_range(r) for r in ranges if r is not None]
                    )
                )
        return out

    @feature(types.CALL_HIERARCHY_OUTGOING_CALLS)
    def outgoing(ls: SpcopilotServer, params: types.CallHierarchyOutgoingCallsParams) -> Any:
        found = from_item(ls, params.item)
        if found is None:
            return None
        view, document, decl = found  # type: ignore[misc]
        positions = Positions(view, document.encoding, ls.project.read)
        out = []
        for call in call_hierarchy.outgoing(view.workspace, decl):
            item = _call_item(ls, view, call.decl, document.encoding)
            ranges = [positions.range(call.path, a, b) for a, b in call.spans]
            if item is not None:
                out.append(
                    types.CallHierarchyOutgoingCall(
                        to=item, from_ranges=[convert.lsp_range(r) for r in ranges if r is not None]
                    )
                )
        return out

    @feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
    def inlay(ls: SpcopilotServer, params: types.InlayHintParams) -> list[types.InlayHint] | None:
        if not ls.project.settings.inlay_hints:
            return []
        found = ls.view(params.text_document.uri)
        if found is None:
            return None
        document, view = found
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


def _refusal(refused: rename.RenameRefused) -> Exception:
    from spcopilot.server.lsp.server import RequestFailed

    return RequestFailed(str(refused))


def _version(ls: SpcopilotServer, uri: str) -> int | None:
    document = ls.project.document(uri)
    return document.version if document is not None else None


def _call_item(ls: SpcopilotServer, view: Any, decl: Decl, encoding: str) -> types.CallHierarchyItem | None:
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
        data={"path": decl.path, "start": decl.start, "uri": view_uri(ls, view)},
    )


def view_uri(ls: SpcopilotServer, view: Any) -> str:
    """The uri of the open document a request came from (call hierarchy items carry it)."""
    return ls.project.uri_of(view.path) or convert.path_to_uri(view.path)
