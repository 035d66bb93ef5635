"""What the client can do, read once from its capabilities at `initialize`."""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types
from pygls.capabilities import get_capability


@dataclass(frozen=True, slots=True)
class ClientFeatures:
    position_encoding: str = "utf-16"  # "utf-16" or "utf-8"
    pull_diagnostics: bool = False
    diagnostic_refresh: bool = False
    work_done_progress: bool = False
    document_changes: bool = False
    snippets: bool = False
    label_details: bool = False
    configuration: bool = False
    watch_files_dynamically: bool = False
    relative_patterns: bool = False
    hierarchical_symbols: bool = False
    markdown: bool = True
    label_offsets: bool = False

    @classmethod
    def of(cls, caps: types.ClientCapabilities) -> ClientFeatures:
        return cls(
            position_encoding=choose_encoding(caps),
            pull_diagnostics=get_capability(caps, "text_document.diagnostic") is not None,
            diagnostic_refresh=bool(get_capability(caps, "workspace.diagnostics.refresh_support", False)),
            work_done_progress=bool(get_capability(caps, "window.work_done_progress", False)),
            document_changes=bool(get_capability(caps, "workspace.workspace_edit.document_changes", False)),
            snippets=bool(get_capability(caps, "text_document.completion.completion_item.snippet_support", False)),
            label_details=bool(
                get_capability(caps, "text_document.completion.completion_item.label_details_support", False)
            ),
            configuration=bool(get_capability(caps, "workspace.configuration", False)),
            watch_files_dynamically=bool(
                get_capability(caps, "workspace.did_change_watched_files.dynamic_registration", False)
            ),
            relative_patterns=bool(
                get_capability(caps, "workspace.did_change_watched_files.relative_pattern_support", False)
            ),
            hierarchical_symbols=bool(
                get_capability(caps, "text_document.document_symbol.hierarchical_document_symbol_support", False)
            ),
            markdown=types.MarkupKind.Markdown
            in (
                get_capability(caps, "text_document.completion.completion_item.documentation_format", None)
                or [types.MarkupKind.Markdown]
            ),
            label_offsets=bool(
                get_capability(
                    caps,
                    "text_document.signature_help.signature_information.parameter_information.label_offset_support",
                    False,
                )
            ),
        )


def choose_encoding(caps: types.ClientCapabilities) -> str:
    """UTF-8 when the client offers it (no conversion at all), else LSP's default UTF-16."""
    offered = get_capability(caps, "general.position_encodings", None) or []
    return "utf-8" if types.PositionEncodingKind.Utf8 in offered else "utf-16"
