"""`spcopilot serve --tcp HOST:PORT` (the debugging transport) answers a real client."""

from __future__ import annotations

import asyncio
import socket
import sys

from lsprotocol import types
from pygls.lsp.client import LanguageClient


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_serve_over_tcp(tmp_path) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "spcopilot", "serve", "--tcp", f"127.0.0.1:{port}", stderr=asyncio.subprocess.PIPE
    )
    client = LanguageClient("tcp-test", "1")
    try:
        for _ in range(100):
            try:
                await client.start_tcp("127.0.0.1", port)
                break
            except OSError:
                await asyncio.sleep(0.1)
        result = await client.initialize_async(
            types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=tmp_path.as_uri())
        )
        assert result.server_info is not None and result.server_info.name == "spcopilot"
        client.initialized(types.InitializedParams())
        uri = (tmp_path / "x.sp").as_uri()
        text = '#include <sourcemod>\npublic void OnPluginStart() { HookEvent("pounce", E); }\n'
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "sourcepawn", 1, text))
        )
        symbols = await client.text_document_document_symbol_async(
            types.DocumentSymbolParams(types.TextDocumentIdentifier(uri))
        )
        assert symbols and symbols[0].name == "OnPluginStart"
        await client.shutdown_async(None)
        client.exit(None)
        assert await asyncio.wait_for(process.wait(), 10) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await client.stop()
