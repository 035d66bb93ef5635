"""What the server logs of its error answers: routine ones (cancels, ContentModified, a refusal
with its reason) are answers, not failures, and are dropped before they are formatted; a real
failure keeps its traceback."""

from __future__ import annotations

import logging
import sys

from pygls.exceptions import JsonRpcContentModified, JsonRpcInternalError, JsonRpcRequestCancelled
from spcopilot.server.lsp.log_handler import _routine, is_answer
from spcopilot.server.lsp.server import RequestFailed


def record_of(error: BaseException, msg: str = 'Exception occurred for message "%s"') -> logging.LogRecord:
    try:
        raise error
    except BaseException:
        exc_info = sys.exc_info()
    return logging.LogRecord("pygls.protocol.json_rpc", logging.ERROR, __file__, 1, msg, (7,), exc_info)


def test_routine_error_answers_are_not_logged() -> None:
    for routine in (JsonRpcContentModified("edited"), JsonRpcRequestCancelled("x"), RequestFailed("nothing here")):
        assert is_answer(routine)
        assert not _routine(record_of(routine))
    failure = JsonRpcInternalError("boom")
    assert not is_answer(failure) and _routine(record_of(failure))
    assert _routine(record_of(ValueError("a bug")))
    late = logging.LogRecord(
        "pygls", logging.WARNING, __file__, 1, "Cancel notification for unknown message id 3", (), None
    )
    assert not _routine(late)
