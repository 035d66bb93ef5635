"""Document views for feature tests: a text (with `|` marking the cursor) linted as a file of
the LSP fixture workspace, so its includes resolve."""

from __future__ import annotations

from pathlib import Path

from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.document import Document
from spcopilot.server.features.view import DocumentView
from spcopilot.server.project import Project

WORKSPACE = Path(__file__).resolve().parents[2] / "fixtures" / "lsp" / "workspace"
SCRIPTING = WORKSPACE / "scripting"


def cursor(text: str) -> tuple[str, int]:
    """The text without its `|` marker, and the marker's byte offset."""
    at = text.index("|")
    return text[:at] + text[at + 1 :], len(text[:at].encode("utf-8"))


def view_of(
    text: str, name: str = "test_plugin.sp", config: Config | None = None, tmp_cache: Path | None = None
) -> DocumentView:
    project = Project(WORKSPACE, {"cache-dir": str(tmp_cache)} if tmp_cache else None)
    if config is not None:
        project.config = config
    uri = (SCRIPTING / name).as_uri()
    project.open(uri, str(SCRIPTING / name), text, 1)
    view = project.view_with_diagnostics(uri)
    assert view is not None
    return view


def document_of(text: str) -> Document:
    return Document(text, 1)
