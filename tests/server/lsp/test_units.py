"""Small pieces of the LSP layer that need no client: the error guard, the CLI, conversions."""

from __future__ import annotations

import argparse
import asyncio

import pytest
from lsprotocol import types
from spcopilot.diagnostics.document import Document
from spcopilot.diagnostics.errors import SpcopilotError
from spcopilot.server.cli import parse_address, register
from spcopilot.server.features.completion import Candidate
from spcopilot.server.lsp import convert
from spcopilot.server.lsp.capabilities import ClientFeatures, choose_encoding
from spcopilot.server.lsp.server import RequestFailed, guarded


def test_spcopilot_errors_become_request_failed() -> None:
    def broken() -> None:
        raise SpcopilotError("cannot read x.inc: permission denied")

    async def broken_async() -> None:
        raise SpcopilotError("no such folder")

    with pytest.raises(RequestFailed, match="permission denied") as error:
        guarded(broken)()
    assert error.value.code == -32803
    with pytest.raises(RequestFailed, match="no such folder"):
        asyncio.run(guarded(broken_async)())


def test_serve_subcommand() -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["serve", "--tcp", "127.0.0.1:2087"])
    assert callable(args.func) and args.tcp == "127.0.0.1:2087"
    assert parse_address("2087") == ("127.0.0.1", 2087)
    assert parse_address("localhost:9000") == ("localhost", 9000)
    for bad in ("host:port", "1:70000"):
        with pytest.raises(SpcopilotError):
            parse_address(bad)


def test_encoding_choice() -> None:
    def caps(encodings: list[str] | None) -> types.ClientCapabilities:
        return types.ClientCapabilities(general=types.GeneralClientCapabilities(position_encodings=encodings))

    assert choose_encoding(caps(["utf-32", "utf-16", "utf-8"])) == "utf-8"
    assert choose_encoding(caps(["utf-32", "utf-16"])) == "utf-16"
    assert choose_encoding(caps(None)) == "utf-16"
    assert choose_encoding(types.ClientCapabilities()) == "utf-16"


def test_completion_item_ranges_in_utf16_and_utf8() -> None:
    text = 'PrintToChatAll("😀"); HookEvent("tank_sp'
    for encoding, column in (("utf-16", 33), ("utf-8", 35)):
        doc = Document(text, 1, encoding=encoding)
        start = text.encode().index(b"tank_sp")
        candidate = Candidate("tank_spawn", "event", replace=(start, len(text.encode())))
        item = convert.completion_item(candidate, "file:///x.sp", doc, len(text.encode()), ClientFeatures())
        assert item.text_edit.range.start == types.Position(0, column)  # type: ignore[union-attr]


def test_workspace_edit_shapes() -> None:
    doc = Document("int x;\n", 7)
    versioned = convert.workspace_edit("file:///x.sp", doc, [(4, 5, "y")], ClientFeatures(document_changes=True))
    change = versioned.document_changes[0]  # type: ignore[index]
    assert change.text_document.version == 7  # type: ignore[union-attr]
    plain = convert.workspace_edit("file:///x.sp", doc, [(4, 5, "y")], ClientFeatures())
    assert plain.changes and plain.changes["file:///x.sp"][0].new_text == "y"
