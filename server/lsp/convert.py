"""Engine and feature results to LSP types and back. Positions go through the document's line
index in the negotiated encoding; the engine's own ranges are only used as they are for
UTF-16 clients and files we hold no text of."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path
from spcopilot.diagnostics.document import Document, TextChange
from spcopilot.diagnostics.include_symbols import Symbol
from spcopilot.diagnostics.model import Diagnostic, Position, Range, Tag
from spcopilot.diagnostics.text import LineIndex
from spcopilot.server.features.code_actions import Action, Edit
from spcopilot.server.features.completion import Candidate, Completions
from spcopilot.server.features.hover import HoverResult
from spcopilot.server.features.navigation import OutlineItem, Target
from spcopilot.server.features.signature import SignatureResult
from spcopilot.server.lsp.capabilities import ClientFeatures

# Each rule's documentation: its section of the project README (anchor = the lower-case code).
RULE_DOCS_URL = "https://github.com/sourcepawn-copilot/sourcepawn-copilot#"
SOURCE = "spcopilot"


def rule_docs_url(code: str) -> str:
    return RULE_DOCS_URL + code.lower()


def markup(text: str, client: ClientFeatures) -> types.MarkupContent:
    """Markdown, or the same text as plaintext for clients that do not render markdown."""
    return types.MarkupContent(types.MarkupKind.Markdown if client.markdown else types.MarkupKind.PlainText, text)


# -- URIs and positions ---------------------------------------------------------------------------
def uri_to_path(uri: str) -> str:
    """The file system path of a file: URI ("" for untitled: and other schemes)."""
    if not uri.startswith("file:"):
        return ""
    return to_fs_path(uri) or ""


def path_to_uri(path: str | Path) -> str:
    return from_fs_path(str(path)) or str(path)


def position(p: types.Position) -> Position:
    return Position(p.line, p.character)


def offset(document: Document, p: types.Position) -> int:
    return document.offset(Position(p.line, p.character))


def lsp_range(r: Range) -> types.Range:
    return types.Range(types.Position(r.start.line, r.start.character), types.Position(r.end.line, r.end.character))


def byte_range(lines: LineIndex, start: int, end: int, encoding: str) -> types.Range:
    return lsp_range(lines.range(start, end, encoding))


def text_changes(changes: Sequence[types.TextDocumentContentChangeEvent]) -> list[TextChange]:
    out = []
    for change in changes:
        r = getattr(change, "range", None)
        if r is None:
            out.append(TextChange(change.text))
        else:
            out.append(TextChange(change.text, position(r.start), position(r.end)))
    return out


# -- diagnostics ----------------------------------------------------------------------------------
_TAGS = {Tag.UNNECESSARY: types.DiagnosticTag.Unnecessary, Tag.DEPRECATED: types.DiagnosticTag.Deprecated}


def diagnostic(d: Diagnostic, lines: LineIndex | None, encoding: str) -> types.Diagnostic:
    r = lsp_range(d.range) if lines is None else byte_range(lines, d.start_byte, d.end_byte, encoding)
    return types.Diagnostic(
        range=r,
        message=d.message,
        severity=types.DiagnosticSeverity(int(d.severity)),
        code=d.code,
        code_description=types.CodeDescription(href=rule_docs_url(d.code)),
        source=SOURCE,
        tags=[_TAGS[t] for t in d.tags if t in _TAGS] or None,
        data={"rule": d.rule, "fixable": d.fix is not None},
        related_information=[
            types.DiagnosticRelatedInformation(types.Location(path_to_uri(r.path), lsp_range(r.range)), r.message)
            for r in d.related
        ]
        or None,
    )


def diagnostics(found: Iterable[Diagnostic], lines: LineIndex | None, encoding: str) -> list[types.Diagnostic]:
    return [diagnostic(d, lines, encoding) for d in found]


# -- edits ----------------------------------------------------------------------------------------
def text_edits(edits: Iterable[Edit], lines: LineIndex, encoding: str) -> list[types.TextEdit]:
    return [types.TextEdit(byte_range(lines, s, e, encoding), text) for s, e, text in edits]


def workspace_edit(uri: str, document: Document, edits: Iterable[Edit], client: ClientFeatures) -> types.WorkspaceEdit:
    """A versioned TextDocumentEdit when the client supports documentChanges, else changes."""
    converted = text_edits(edits, document.lines, document.encoding)
    if client.document_changes:
        identifier = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=document.version)
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=identifier, edits=converted)])
    return types.WorkspaceEdit(changes={uri: converted})


def code_action(action: Action, uri: str, document: Document, client: ClientFeatures) -> types.CodeAction:
    return types.CodeAction(
        title=action.title,
        kind=action.kind,
        diagnostics=[diagnostic(d, document.lines, document.encoding) for d in action.diagnostics] or None,
        is_preferred=action.preferred or None,
        edit=workspace_edit(uri, document, action.edits, client),
    )


# -- completion -----------------------------------------------------------------------------------
_COMPLETION_KIND = {
    "function": types.CompletionItemKind.Function,
    "method": types.CompletionItemKind.Method,
    "property": types.CompletionItemKind.Property,
    "constructor": types.CompletionItemKind.Constructor,
    "event": types.CompletionItemKind.Event,
    "field": types.CompletionItemKind.Field,
    "netprop": types.CompletionItemKind.Property,
    "snippet": types.CompletionItemKind.Snippet,
    "constant": types.CompletionItemKind.Constant,
    "enum": types.CompletionItemKind.Enum,
    "class": types.CompletionItemKind.Class,
    "variable": types.CompletionItemKind.Variable,
    "keyword": types.CompletionItemKind.Keyword,
    "phrase": types.CompletionItemKind.Text,
    "convar": types.CompletionItemKind.Variable,
}


def completion_list(
    result: Completions, uri: str, document: Document, offset_: int, client: ClientFeatures
) -> types.CompletionList:
    items = [completion_item(c, uri, document, offset_, client) for c in result.items]
    return types.CompletionList(is_incomplete=result.incomplete, items=items)


def completion_item(
    c: Candidate, uri: str, document: Document, at: int, client: ClientFeatures
) -> types.CompletionItem:
    lines, encoding = document.lines, document.encoding
    start, end = c.replace if c.replace is not None else (at, at)
    text = c.insert_text if c.insert_text is not None else c.label
    detail = c.detail
    label_details = None
    if c.label_detail:
        if client.label_details:
            label_details = types.CompletionItemLabelDetails(detail=c.label_detail)
        else:
            detail = f"{detail} ({c.label_detail.strip()})" if detail else c.label_detail.strip()
    return types.CompletionItem(
        label=c.label,
        kind=_COMPLETION_KIND.get(c.kind, types.CompletionItemKind.Text),
        detail=detail or None,
        label_details=label_details,
        documentation=markup(c.documentation, client) if c.documentation else None,
        sort_text=c.sort_text,
        filter_text=c.filter_text,
        insert_text_format=types.InsertTextFormat.Snippet if c.snippet else types.InsertTextFormat.PlainText,
        text_edit=types.TextEdit(byte_range(lines, start, end, encoding), text),
        additional_text_edits=text_edits(c.additional_edits, lines, encoding) or None,
        tags=[types.CompletionItemTag.Deprecated] if c.deprecated else None,
        data={"uri": uri, **c.resolve} if c.resolve else None,
    )


# -- hover, signatures, symbols -------------------------------------------------------------------
def hover(result: HoverResult, document: Document, client: ClientFeatures) -> types.Hover:
    return types.Hover(
        contents=markup(result.markdown, client),
        range=byte_range(document.lines, result.start, result.end, document.encoding),
    )


def signature_help(result: SignatureResult, client: ClientFeatures) -> types.SignatureHelp:
    signatures = []
    for s in result.signatures:
        params = []
        search = s.label.find("(") + 1
        for label, doc in s.parameters:
            at = s.label.find(label, search)
            name: str | tuple[int, int] = label
            if at != -1 and client.label_offsets:
                name = (_utf16_len(s.label[:at]), _utf16_len(s.label[: at + len(label)]))
                search = at + len(label)
            params.append(types.ParameterInformation(label=name, documentation=markup(doc, client) if doc else None))
        signatures.append(
            types.SignatureInformation(
                label=s.label,
                documentation=markup(s.documentation, client) if s.documentation else None,
                parameters=params,
            )
        )
    return types.SignatureHelp(
        signatures=signatures, active_signature=result.active_signature, active_parameter=result.active_parameter
    )


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def location(target: Target) -> types.Location:
    return types.Location(uri=path_to_uri(target.path), range=lsp_range(target.range))


_SYMBOL_KIND = {
    "native": types.SymbolKind.Function,
    "stock": types.SymbolKind.Function,
    "forward": types.SymbolKind.Interface,
    "function": types.SymbolKind.Function,
    "methodmap": types.SymbolKind.Class,
    "method": types.SymbolKind.Method,
    "property": types.SymbolKind.Property,
    "constructor": types.SymbolKind.Constructor,
    "enum": types.SymbolKind.Enum,
    "enum_member": types.SymbolKind.EnumMember,
    "enum_struct": types.SymbolKind.Struct,
    "define": types.SymbolKind.Constant,
    "typedef": types.SymbolKind.TypeParameter,
    "typeset": types.SymbolKind.TypeParameter,
    "funcenum": types.SymbolKind.TypeParameter,
    "functag": types.SymbolKind.TypeParameter,
    "global": types.SymbolKind.Variable,
}


def symbol_kind(kind: str) -> types.SymbolKind:
    return _SYMBOL_KIND.get(kind, types.SymbolKind.Variable)


def document_symbols(
    items: list[OutlineItem], uri: str, document: Document, client: ClientFeatures
) -> list[types.DocumentSymbol] | list[types.SymbolInformation]:
    lines, encoding = document.lines, document.encoding
    if client.hierarchical_symbols:

        def convert(item: OutlineItem) -> types.DocumentSymbol:
            full = byte_range(lines, item.range[0], item.range[1], encoding)
            selection = byte_range(lines, item.selection[0], item.selection[1], encoding)
            return types.DocumentSymbol(
                name=item.name,
                kind=symbol_kind(item.kind),
                range=full,
                selection_range=selection,
                detail=item.detail or None,
                children=[convert(c) for c in item.children] or None,
            )

        return [convert(i) for i in items]
    flat: list[types.SymbolInformation] = []

    def add(item: OutlineItem, container: str | None) -> None:
        where = types.Location(uri=uri, range=byte_range(lines, item.range[0], item.range[1], encoding))
        flat.append(
            types.SymbolInformation(
                name=item.name, kind=symbol_kind(item.kind), location=where, container_name=container
            )
        )
        for child in item.children:
            add(child, item.name)

    for item in items:
        add(item, None)
    return flat


def workspace_symbol(symbol: Symbol) -> types.WorkspaceSymbol:
    start = types.Position(symbol.line, 0)
    return types.WorkspaceSymbol(
        name=symbol.name,
        kind=symbol_kind(symbol.kind),
        location=types.Location(uri=path_to_uri(symbol.path), range=types.Range(start, start)),
        container_name=symbol.parent or Path(symbol.path).name or None,
    )
