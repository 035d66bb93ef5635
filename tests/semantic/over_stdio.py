"""Answer fixture cases through the real server over stdio (`python -m spcopilot.server.lsp`),
as an editor asks: one server for many cases, each case in its own folder of the workspace.
Positions are UTF-8 (the client offers it), so columns are the fixtures' byte columns."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from spcopilot.server.features.semantic_tokens import decode

from .answers import Answer
from .fixture_format import Case, write_case

SERVER = [sys.executable, "-m", "spcopilot.server.lsp"]


def answers(cases: list[Case], root: Path) -> dict[str, Answer | str]:
    """Each case's answer, or the error that stopped it (by case name)."""
    return asyncio.run(_run(cases, root))


async def _run(cases: list[Case], root: Path) -> dict[str, Answer | str]:
    workspace = root / "ws"
    for n, case in enumerate(cases):  # the workspace exists before the editor opens it
        write_case(case, workspace / f"case{n:03d}")
    client = LanguageClient("fixtures", "1")

    settings = {"lint-workspace": False, "inlay-hints": True}

    @client.feature(types.WORKSPACE_CONFIGURATION)
    def configuration(params: types.ConfigurationParams) -> list[Any]:
        return [settings for _ in params.items]

    for method in (types.WINDOW_LOG_MESSAGE, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, types.PROGRESS):
        client.feature(method)(lambda params: None)

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def create(params: Any) -> None:
        return None

    await client.start_io(*SERVER, env={**os.environ, "SPCOPILOT_CACHE_DIR": str(root / "cache")})
    caps = types.ClientCapabilities(
        general=types.GeneralClientCapabilities(position_encodings=[types.PositionEncodingKind.Utf8]),
        workspace=types.WorkspaceClientCapabilities(
            configuration=True, workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True)
        ),
        text_document=types.TextDocumentClientCapabilities(
            completion=types.CompletionClientCapabilities(
                completion_item=types.ClientCompletionItemOptions(snippet_support=True)
            ),
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
        ),
    )
    await client.initialize_async(
        types.InitializeParams(
            capabilities=caps,
            root_uri=workspace.as_uri(),
            initialization_options=settings,
        )
    )
    client.initialized(types.InitializedParams())
    out: dict[str, Answer | str] = {}
    try:
        for n, case in enumerate(cases):
            folder = workspace / f"case{n:03d}"
            try:
                out[case.name] = await asyncio.wait_for(_ask(client, case, folder), 30)
            except Exception as error:  # recorded against the case, the others still run
                out[case.name] = f"{type(error).__name__}: {error}"
    finally:
        try:
            await asyncio.wait_for(client.shutdown_async(None), 10)
            client.exit(None)
        finally:
            await client.stop()
    return out


def _relative(uri: str, folder: Path) -> str:
    return Path(unquote(urlparse(uri).path)).relative_to(folder).as_posix()


def _location(uri: str, r: types.Range, folder: Path) -> tuple[str, int, int, int]:
    return (_relative(uri, folder), r.start.line, r.start.character, r.end.character)


async def _ask(client: LanguageClient, case: Case, folder: Path) -> Answer:
    path, line, column = case.cursor or (next(iter(case.files)), 0, 0)
    uri = (folder / path).as_uri()
    text = (folder / path).read_text(encoding="utf-8")
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "sourcepawn", 1, text)))
    document = types.TextDocumentIdentifier(uri)
    position = types.Position(line, column)
    out = Answer()
    feature = case.feature
    try:
        if feature in ("definition", "declaration", "type-definition"):
            ask = {
                "definition": (client.text_document_definition_async, types.DefinitionParams),
                "declaration": (client.text_document_declaration_async, types.DeclarationParams),
                "type-definition": (client.text_document_type_definition_async, types.TypeDefinitionParams),
            }[feature]
            found = await ask[0](ask[1](document, position))
            items = found if isinstance(found, list) else [found] if found else []
            out.locations = {_location(i.uri, i.range, folder) for i in items}  # type: ignore[union-attr]
        elif feature in ("references", "references-no-declaration"):
            context = types.ReferenceContext(include_declaration=feature == "references")
            found = await client.text_document_references_async(
                types.ReferenceParams(text_document=document, position=position, context=context)
            )
            out.locations = {_location(i.uri, i.range, folder) for i in found or []}
        elif feature == "highlight":
            found = await client.text_document_document_highlight_async(
                types.DocumentHighlightParams(text_document=document, position=position)
            )
            for h in found or []:
                location = _location(uri, h.range, folder)
                out.locations.add(location)
                if h.kind == types.DocumentHighlightKind.Write:
                    out.writes.add(location)
        elif feature == "rename":
            try:
                await client.text_document_prepare_rename_async(
                    types.PrepareRenameParams(text_document=document, position=position)
                )
                edit = await client.text_document_rename_async(
                    types.RenameParams(text_document=document, position=position, new_name=case.argument)
                )
            except Exception as error:
                out.refused = str(error)
            else:
                for change in (edit.document_changes or []) if edit else []:
                    for e in change.edits:  # type: ignore[union-attr]
                        out.locations.add(_location(change.text_document.uri, e.range, folder))  # type: ignore[union-attr]
                        out.new_texts.add(e.new_text)  # type: ignore[union-attr]
        elif feature == "hover":
            found = await client.text_document_hover_async(types.HoverParams(text_document=document, position=position))
            out.text = found.contents.value if found is not None else None  # type: ignore[union-attr]
        elif feature == "signature":
            found = await client.text_document_signature_help_async(
                types.SignatureHelpParams(text_document=document, position=position)
            )
            if found is not None and found.signatures:
                active = found.signatures[found.active_signature or 0]
                docs = [_markup(active.documentation)] + [_markup(p.documentation) for p in active.parameters or []]
                out.text = "\n".join([active.label, *docs])
                out.active_parameter = found.active_parameter
        elif feature == "completion":
            trigger = case.argument
            context = (
                types.CompletionContext(types.CompletionTriggerKind.TriggerCharacter, trigger)
                if trigger
                else types.CompletionContext(types.CompletionTriggerKind.Invoked)
            )
            found = await client.text_document_completion_async(
                types.CompletionParams(text_document=document, position=position, context=context)
            )
            items = found.items if isinstance(found, types.CompletionList) else found or []
            for item in items:
                out.labels.append(item.label)
                inserted = item.text_edit.new_text if item.text_edit else item.insert_text or item.label
                extra = "".join(e.new_text for e in item.additional_text_edits or [])
                out.insert_texts[item.label] = inserted + extra
        elif feature == "tokens":
            found = await client.text_document_semantic_tokens_full_async(
                types.SemanticTokensParams(text_document=document)
            )
            for line_no, col, length, kind, mods in decode(found.data if found else []):
                out.tokens.append((path, line_no, col, length, kind, mods))
        elif feature in ("incoming-calls", "outgoing-calls"):
            prepared = await client.text_document_prepare_call_hierarchy_async(
                types.CallHierarchyPrepareParams(text_document=document, position=position)
            )
            if prepared:
                if feature == "incoming-calls":
                    calls = await client.call_hierarchy_incoming_calls_async(
                        types.CallHierarchyIncomingCallsParams(prepared[0])
                    )
                    out.names = {c.from_.name for c in calls or []}
                else:
                    outgoing = await client.call_hierarchy_outgoing_calls_async(
                        types.CallHierarchyOutgoingCallsParams(prepared[0])
                    )
                    out.names = {c.to.name for c in outgoing or []}
        elif feature == "inlay":
            end = types.Position(len(text.split("\n")), 0)
            found = await client.text_document_inlay_hint_async(
                types.InlayHintParams(text_document=document, range=types.Range(types.Position(0, 0), end))
            )
            for h in found or []:
                out.hints.add((path, h.position.line, h.position.character, str(h.label)))
    finally:
        client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=document))
    return out


def _markup(value: Any) -> str:
    if value is None:
        return ""
    return value.value if hasattr(value, "value") else str(value)
