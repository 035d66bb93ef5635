"""The openai backend against a real OpenAI-protocol peer (llama-cpp-python's server on
127.0.0.1 serving the tiny model), and against small scripted servers for 429, slow and 401
answers. The key never appears in a log line."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from spcopilot.server.ai.backends.base import BackendError, Cancelled, CancelToken, GenerationOptions, Message
from spcopilot.server.ai.backends.openai_backend import OpenAIBackend
from spcopilot.server.ai.prompts.fim import render_fim

from tests.model.conftest import OpenAIPeer, start_peer
from tests.model.fault_servers import error_body, scripted, sse_chat, stalling

KEY = "sk-test-DO-NOT-LOG-0123456789abcdef"
OPTIONS = GenerationOptions(max_tokens=16, temperature=0.0)


def test_chat_streams_with_usage(openai_peer: OpenAIPeer) -> None:
    backend = OpenAIBackend("tiny", api_key=KEY, base_url=openai_peer.base_url, timeout_s=30)
    pieces: list[str] = []
    done = backend.chat([Message("user", "Write a SourceMod plugin for Left 4 Dead 2: heal survivors")], OPTIONS,
                        on_token=pieces.append)  # fmt: skip
    assert done.text and "".join(pieces) == done.text
    assert done.usage.prompt_tokens > 0 and 0 < done.usage.completion_tokens <= 17
    assert backend.is_chat_model


def test_fim_completion_through_the_completions_endpoint(openai_peer: OpenAIPeer) -> None:
    backend = OpenAIBackend("tiny", base_url=openai_peer.base_url, fim_family="qwen2.5-coder")
    assert not backend.is_chat_model and backend.fim_tokens is not None
    prompt = render_fim("qwen2.5-coder", "public void OnPluginStart()\n{\n\t", "\n}\n")
    done = backend.complete(prompt, GenerationOptions(max_tokens=12, temperature=0.0, stop=("\n\n",)))
    assert "\n\n" not in done.text


def test_cancel_closes_the_stream(openai_peer: OpenAIPeer) -> None:
    backend = OpenAIBackend("tiny", base_url=openai_peer.base_url)
    cancel = CancelToken()
    after: list[str] = []

    def on_token(piece: str) -> None:
        if cancel.cancelled:
            after.append(piece)
        else:
            cancel.cancel()

    with pytest.raises(Cancelled):
        backend.complete("public void OnPluginStart()\n{\n", GenerationOptions(max_tokens=400, temperature=0.9),
                         cancel, on_token)  # fmt: skip
    assert after == []


def test_server_killed_mid_stream_gives_a_clear_message(tiny_model, tmp_path) -> None:  # type: ignore[no-untyped-def]
    peer = start_peer(tiny_model.gguf_f16, tmp_path)
    backend = OpenAIBackend("tiny", base_url=peer.base_url, max_retries=0)
    try:

        def kill_soon(piece: str) -> None:
            if not killed.is_set():
                killed.set()
                peer.process.kill()
                peer.process.wait(10)
                time.sleep(0.2)

        killed = threading.Event()
        with pytest.raises(BackendError, match=r"broke off|cannot reach"):
            backend.complete("public void OnPluginStart()\n{\n", GenerationOptions(max_tokens=2000, temperature=0.9),
                             on_token=kill_soon)  # fmt: skip
    finally:
        peer.stop()


def test_429_then_200_is_retried_with_backoff() -> None:
    script = [(429, 0.0, error_body("slow down", "rate_limit_error")), (200, 0.0, sse_chat("HookEvent lunge_pounce"))]
    with scripted(script) as server:
        backend = OpenAIBackend("ft:gpt-4o-mini-2024-07-18:team::abc", api_key=KEY, base_url=server.base_url,
                                max_retries=2)  # fmt: skip
        done = backend.chat([Message("user", "hi")], OPTIONS)
        assert done.text == "HookEvent lunge_pounce"
        assert len(server.requests) == 2


def test_429_forever_ends_with_a_message() -> None:
    script = [(429, 0.0, error_body("slow down", "rate_limit_error"))] * 3
    with scripted(script) as server:
        backend = OpenAIBackend("m", api_key=KEY, base_url=server.base_url, max_retries=2)
        with pytest.raises(BackendError, match=r"rate-limiting requests \(429\)"):
            backend.chat([Message("user", "hi")], OPTIONS)
        assert len(server.requests) == 3  # bounded: one try and two retries


def test_cancel_wakes_a_read_blocked_on_a_silent_server() -> None:
    """A server that starts answering and then goes silent: the cancel must end the call at
    once, not when the 60 s read timeout expires (closing the stream alone does not wake a
    read blocked in another thread). The bound is 10 s, far from 60: a behaviour, not a speed."""
    with stalling() as server:
        backend = OpenAIBackend("m", api_key=KEY, base_url=server.base_url, timeout_s=60, max_retries=0)
        cancel = CancelToken()

        def first_token(_: str) -> None:
            threading.Timer(0.3, cancel.cancel).start()  # while the next read is blocked

        started = time.monotonic()
        with pytest.raises(Cancelled) as raised:
            backend.chat([Message("user", "hi")], OPTIONS, cancel, first_token)
        assert time.monotonic() - started < 10
        assert raised.value.partial == "Hello"


def test_slow_server_times_out() -> None:
    with scripted([(200, 3.0, sse_chat("late"))]) as server:
        backend = OpenAIBackend("m", api_key=KEY, base_url=server.base_url, timeout_s=0.5, max_retries=0)
        with pytest.raises(BackendError, match=r"did not answer within 0.5 s"):
            backend.chat([Message("user", "hi")], OPTIONS)


def test_bad_key_is_explained_and_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # the SDK and httpx log requests at debug level
    body = error_body(f"Incorrect API key provided: {KEY}.", "invalid_request_error")
    with scripted([(401, 0.0, body)]) as server:
        backend = OpenAIBackend("m", api_key=KEY, base_url=server.base_url, max_retries=0)
        with pytest.raises(BackendError) as raised:
            backend.chat([Message("user", "hi")], OPTIONS)
        assert "rejected the API key (401)" in str(raised.value) and KEY not in str(raised.value)
        assert server.requests[0][1].get("Authorization") == f"Bearer {KEY}"  # it was sent, to the server only
    assert caplog.records and all(KEY not in r.getMessage() for r in caplog.records)
    assert KEY not in repr(backend.info())


def test_unreachable_server_says_so() -> None:
    backend = OpenAIBackend("m", api_key=KEY, base_url="http://127.0.0.1:9/v1", max_retries=0, timeout_s=2)
    with pytest.raises(BackendError, match=r"cannot reach http://127.0.0.1:9/v1"):
        backend.chat([Message("user", "hi")], OPTIONS)


def test_missing_key_and_model_are_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(BackendError, match="OPENAI_API_KEY"):
        OpenAIBackend("gpt-4o-mini")
    with pytest.raises(BackendError, match="needs a model"):
        OpenAIBackend("", api_key=KEY)
