"""The protocol forgets a notification once its handler has run. pygls 2.1.1 files each
notification's future under a fresh uuid in `_request_futures` and never takes it out; our
protocol (server/lsp/protocol.py) removes it when the handler ends, whatever kind of handler it
is (async, thread, generator, plain), and a handler's error is still reported. When pygls does this itself, the override can go and this
test keeps passing."""

from __future__ import annotations

import asyncio
from collections.abc import Generator

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from spcopilot.server.lsp.protocol import SpcopilotProtocol


def test_notifications_of_every_handler_kind_leave_no_future_behind() -> None:
    server = LanguageServer("leak-test", "0", protocol_cls=SpcopilotProtocol)
    protocol = server.protocol
    seen: list[str] = []
    reported: list[BaseException] = []
    server._report_server_error = lambda error, source: reported.append(error)  # type: ignore[method-assign]

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def watched(ls: LanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
        seen.append("async")

    @server.feature(types.WORKSPACE_DID_CREATE_FILES)
    def created(ls: LanguageServer, params: types.CreateFilesParams) -> Generator[object, object, None]:
        seen.append("generator")
        yield from ()

    @server.thread()
    @server.feature(types.WORKSPACE_DID_DELETE_FILES)
    def deleted(ls: LanguageServer, params: types.DeleteFilesParams) -> None:
        seen.append("thread")

    @server.feature(types.WORKSPACE_DID_RENAME_FILES)
    def renamed(ls: LanguageServer, params: types.RenameFilesParams) -> None:
        seen.append("plain")

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def failing(ls: LanguageServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        raise ValueError("a handler's own error")

    async def send_all() -> None:
        for _ in range(10):
            protocol._handle_notification(
                types.WORKSPACE_DID_CHANGE_WATCHED_FILES, types.DidChangeWatchedFilesParams(changes=[])
            )
            protocol._handle_notification(types.WORKSPACE_DID_CREATE_FILES, types.CreateFilesParams(files=[]))
            protocol._handle_notification(types.WORKSPACE_DID_DELETE_FILES, types.DeleteFilesParams(files=[]))
            protocol._handle_notification(types.WORKSPACE_DID_RENAME_FILES, types.RenameFilesParams(files=[]))
        folders = types.WorkspaceFoldersChangeEvent(added=[], removed=[])
        protocol._handle_notification(
            types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS, types.DidChangeWorkspaceFoldersParams(event=folders)
        )
        for _ in range(200):
            if len(seen) == 40 and not protocol._request_futures:
                break
            await asyncio.sleep(0.01)

    asyncio.run(send_all())
    server.thread_pool.shutdown()
    assert sorted(set(seen)) == ["async", "generator", "plain", "thread"] and len(seen) == 40
    assert protocol._request_futures == {}
    assert len(reported) == 1 and "a handler's own error" in str(reported[0])
