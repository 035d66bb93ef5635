"""pygls' protocol with five changes:

- the position encoding is UTF-8 whenever the client offers it (pygls takes the client's
  first choice), else UTF-16;
- pull diagnostics are offered only to clients that support them (Neovim 0.11 shows every
  diagnostic twice when a server both pushes and is pulled);
- open documents live in our own store (text + incrementally parsed tree), so pygls' copy of
  each document is not kept;
- a request whose params do not fit the method's schema gets an InvalidParams error answer
  (pygls would only log it and leave the client waiting);
- a handler's future is forgotten when it ends. pygls 2.1.1 files the future of every
  notification, and of every handler a builtin feature's generator hands on, in
  `_request_futures` under a fresh uuid and never takes it out (only a request's answer does),
  so each didOpen/didChange/didClose kept its future and arguments for the life of the server
  (about half of the 12-15 KB per open/pull/close cycle that bench/fuzz_lsp.py --leak found;
  pygls issues #607/#608 report the same kind of leak for progress tokens and unanswered
  requests). This can go when pygls removes the entry itself:
  tests/lsp/test_protocol_leak.py then passes without it.
"""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol, lsp_method
from spcopilot.server.lsp.capabilities import ClientFeatures, choose_encoding

log = logging.getLogger(__name__)


class _Answered:
    """A message that was dealt with while it was being read (handle_message skips it)."""

    jsonrpc = "2.0"


class SpcopilotProtocol(LanguageServerProtocol):
    client_features = ClientFeatures()

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams) -> Any:
        general = params.capabilities.general
        encoding = choose_encoding(params.capabilities)
        if general is not None and general.position_encodings:
            kind = types.PositionEncodingKind.Utf8 if encoding == "utf-8" else types.PositionEncodingKind.Utf16
            general.position_encodings = [kind]
        self.client_features = ClientFeatures.of(params.capabilities)
        result = yield from super().lsp_initialize(params)
        if not self.client_features.pull_diagnostics:
            result.capabilities.diagnostic_provider = None
        return result

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> Any:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> Any:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None

    def _execute_handler(self, msg_id: Any, handler: Any, callback: Any, args: Any = None, kwargs: Any = None) -> None:
        def forget(future: Any, report: Any = callback) -> None:
            if not future.cancelled():  # (cancelled: pygls' shutdown, iterating over the table)
                self._request_futures.pop(msg_id, None)
            report(future)

        super()._execute_handler(msg_id, handler, forget, args, kwargs)

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except (JsonRpcInvalidParams, JsonRpcInternalError):
            method = data.get("method", "?")
            if "id" in data and "method" in data:
                log.warning("request %s (id %s) has invalid params; answered with an error", method, data["id"])
                error = JsonRpcInvalidParams(f"invalid params for {method}")
                self._send_response(data["id"], error=error.to_response_error())
            else:
                log.warning("notification %s has invalid params; ignored", method)
            return _Answered()

    def handle_message(self, message: Any) -> None:
        if isinstance(message, _Answered):
            return
        super().handle_message(message)
