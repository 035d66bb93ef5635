"""The real server process over stdio, driven by pytest-lsp as an editor would.

`client` is a VS Code-like client (pull diagnostics, UTF-16, documentChanges, dynamic file
watchers, snippets) and a Neovim-like client (0.11: pull, UTF-8; 0.7: push only, no
documentChanges, no pull, UTF-16) where behaviour differs. Each test gets its own copy of the
fixture workspace and its own include cache.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lsp"
SERVER = [sys.executable, "-m", "spcopilot.server.lsp"]


def vscode_capabilities() -> types.ClientCapabilities:
    """VS Code 1.65's capabilities plus what current VS Code also sends: pull diagnostics
    with refresh, and the positionEncodings list (UTF-16 only)."""
    caps = client_capabilities("visual-studio-code")
    caps.text_document.diagnostic = types.DiagnosticClientCapabilities(
        dynamic_registration=True, related_document_support=False
    )  # type: ignore[union-attr]
    caps.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)  # type: ignore[union-attr]
    caps.general = types.GeneralClientCapabilities(position_encodings=[types.PositionEncodingKind.Utf16])
    return caps


CLIENTS = {
    "vscode": vscode_capabilities,
    "neovim-0.11": lambda: client_capabilities("neovim@v0.11.0"),
    "neovim-0.7": lambda: client_capabilities("neovim@v0.7.0"),
}


@dataclass
class Session:
    client: LanguageClient
    name: str
    root: Path
    capabilities: types.ClientCapabilities
    registrations: list[types.Registration]
    result: types.InitializeResult

    @property
    def pull(self) -> bool:
        return self.capabilities.text_document is not None and self.capabilities.text_document.diagnostic is not None

    def uri(self, relative: str) -> str:
        return (self.root / relative).as_uri()

    def text(self, relative: str) -> str:
        return (self.root / relative).read_text(encoding="utf-8")

    def open(self, relative: str, text: str | None = None, version: int = 1) -> str:
        uri = self.uri(relative)
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(
                    uri=uri,
                    language_id="sourcepawn",
                    version=version,
                    text=text if text is not None else self.text(relative),
                )
            )
        )
        return uri

    async def diagnostics(self, uri: str, timeout: float = 10.0) -> list[types.Diagnostic]:
        """The document's diagnostics, the way this client gets them."""
        if self.pull:
            report = await self.client.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri))
            )
            return list(report.items)
        return await self.pushed(uri, timeout)

    async def pushed(self, uri: str, timeout: float = 10.0, version: int | None = None) -> list[types.Diagnostic]:
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            if uri in self.client.diagnostics and (version is None or self.versions.get(uri) == version):
                return list(self.client.diagnostics[uri])
            await asyncio.sleep(0.02)
        raise AssertionError(f"no diagnostics pushed for {uri} (version {version})")

    @property
    def versions(self) -> dict[str, int | None]:
        return getattr(self.client, "pushed_versions", {})


def make_client(registrations: list[types.Registration]) -> LanguageClient:
    """pytest-lsp's client, which also records registrations and the version of each push."""
    client = LanguageClient(converter_factory=default_converter)
    client.pushed_versions = {}  # type: ignore[attr-defined]
    features = {k: v for k, v in DEFAULT_CLIENT_FEATURES.items() if k != types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS}
    register_lsp_features(client, features)

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        registrations.extend(params.registrations)

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: types.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.pushed_versions[params.uri] = params.version  # type: ignore[attr-defined]

    return client


def copy_workspace(tmp_path: Path, name: str = "workspace") -> Path:
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root)
    return root


async def start(
    tmp_path: Path,
    client_name: str,
    root: Path | None = None,
    init_options: dict[str, Any] | None = None,
    configuration: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
) -> Session:
    root = root or copy_workspace(tmp_path)
    env = {**os.environ, "SPCOPILOT_CACHE_DIR": str(tmp_path / "cache"), "SPCOPILOT_STRICT": "0", **(env or {})}
    registrations: list[types.Registration] = []
    client = await ClientServerConfig(
        server_command=SERVER, server_env=env, client_factory=lambda: make_client(registrations)
    ).start()
    assert isinstance(client, LanguageClient)

    if configuration is not None:
        client.set_configuration(configuration, section="spcopilot")
    capabilities = CLIENTS[client_name]()
    result = await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=init_options,
        )
    )
    return Session(client, client_name, root, capabilities, registrations, result)


async def stop(session: Session) -> None:
    try:
        await asyncio.wait_for(session.client.shutdown_session(), 10)
    finally:
        await session.client.stop()


@pytest_asyncio.fixture(params=["vscode", "neovim-0.11", "neovim-0.7"])
async def session(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Session]:
    s = await start(tmp_path, request.param, init_options={"lint-workspace": False})
    yield s
    await stop(s)


@pytest_asyncio.fixture
async def vscode(tmp_path: Path) -> AsyncIterator[Session]:
    s = await start(tmp_path, "vscode", init_options={"lint-workspace": False})
    yield s
    await stop(s)


@pytest_asyncio.fixture
async def neovim(tmp_path: Path) -> AsyncIterator[Session]:
    """Neovim 0.7: push diagnostics, UTF-16, plain `changes` edits."""
    s = await start(tmp_path, "neovim-0.7", init_options={"lint-workspace": False})
    yield s
    await stop(s)


def position_of(text: str, needle: str, offset: int = 0, encoding: str = "utf-16") -> types.Position:
    """The position of `needle` (plus `offset` characters) in `text`."""
    index = text.index(needle) + offset
    before = text[:index]
    line = before.count("\n")
    column_text = before[before.rfind("\n") + 1 :]
    if encoding == "utf-8":
        return types.Position(line, len(column_text.encode("utf-8")))
    return types.Position(line, len(column_text.encode("utf-16-le")) // 2)


def encoding_of(session: Session) -> str:
    return "utf-8" if session.name == "neovim-0.11" else "utf-16"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A result that breaks the client's declared capabilities fails the test."""
    for item in items:
        if "tests/lsp/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.filterwarnings("error::pytest_lsp.LspSpecificationWarning"))


def apply_text_edits(text: str, edits: list[types.TextEdit], encoding: str = "utf-16") -> str:
    """What an editor does with a list of TextEdits (non-overlapping, applied back to front)."""
    lines = text.split("\n")

    def index(p: types.Position) -> int:
        before = sum(len(line) + 1 for line in lines[: p.line])
        line = lines[p.line] if p.line < len(lines) else ""
        if encoding == "utf-8":
            return before + len(line.encode("utf-8")[: p.character].decode("utf-8", "ignore"))
        return before + len(line.encode("utf-16-le")[: 2 * p.character].decode("utf-16-le", "ignore"))

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: index(edit.range.start)] + edit.new_text + text[index(edit.range.end) :]
    return text


def edits_of(edit: types.WorkspaceEdit | None, uri: str) -> list[types.TextEdit]:
    assert edit is not None
    if edit.document_changes:
        return [e for change in edit.document_changes if change.text_document.uri == uri for e in change.edits]  # type: ignore[union-attr]
    return list((edit.changes or {}).get(uri, []))
