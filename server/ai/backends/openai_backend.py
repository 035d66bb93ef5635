"""OpenAI (a fine-tuned gpt-4o-mini) or any OpenAI-compatible server (Ollama, vLLM, llama.cpp's
server) through the official `openai` SDK.

- The key comes from the `api-key` setting (handed over by the editor) or OPENAI_API_KEY; it is
  given to the SDK and to nothing else: no log line, no error message, no `info` shows it.
- Retries: the SDK's own bounded exponential backoff on 408/409/429/5xx and dropped connections
  (`max-retries`, default 2); timeouts from `timeout`.
- Every call streams, so a cancel ends the HTTP stream at once (its socket is shut down, which
  also wakes a read that waits on a server gone silent).
- Chat models (api.openai.com) get the hole-filler prompt for inline completion; a server whose
  model has FIM tokens is used through /v1/completions when `fim-family` names its family.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from spcopilot.server.ai.backends.base import (
    NEVER_CANCELLED,
    Backend,
    BackendError,
    Cancelled,
    CancelToken,
    Completion,
    GenerationOptions,
    Message,
    TokenCallback,
    Usage,
)
from spcopilot.server.ai.backends.streaming import StreamCollector

log = logging.getLogger(__name__)
DEFAULT_BASE_URL = "https://api.openai.com/v1"
MAX_SERVER_STOPS = 4  # OpenAI accepts at most four; the rest are applied on our side


class OpenAIBackend(Backend):
    name = "openai"

    def __init__(
        self,
        model: str,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout_s: float = 30.0,
        max_retries: int = 2,
        fim_family: str | None = None,
    ) -> None:
        import os

        import openai

        if not model:
            raise BackendError(
                "the openai backend needs a model: set `model` (e.g. your ft:gpt-4o-mini-… fine-tune id)"
            )
        key = api_key or os.environ.get("OPENAI_API_KEY")
        if not key:
            if base_url:
                key = "none"  # local OpenAI-compatible servers usually take any key
            else:
                raise BackendError(
                    "the openai backend needs an API key: set OPENAI_API_KEY, or use the editor's "
                    '"Set API key" command (VS Code), or the `api-key` setting'
                )
        self.model = model
        self.base_url = base_url or DEFAULT_BASE_URL
        self.timeout_s = timeout_s
        self._key = key
        self._fim_family = fim_family
        self._client = openai.OpenAI(api_key=key, base_url=self.base_url, timeout=timeout_s, max_retries=max_retries)

    @property
    def fim_tokens(self) -> dict[str, str] | None:
        if not self._fim_family:
            return None
        from spcopilot.server.ai.prompts.fim import FAMILIES

        family = FAMILIES.get(self._fim_family)
        return {"prefix": family.prefix, "suffix": family.suffix, "middle": family.middle} if family else None

    @property
    def is_chat_model(self) -> bool:
        return not self._fim_family

    def info(self) -> dict[str, object]:
        return {"backend": self.name, "model": self.model, "base_url": self.base_url, "fim_family": self._fim_family}

    def complete(
        self,
        prompt: str,
        options: GenerationOptions,
        cancel: CancelToken = NEVER_CANCELLED,
        on_token: TokenCallback | None = None,
    ) -> Completion:
        def open_stream() -> Any:
            return self._client.completions.create(
                model=self.model,
                prompt=prompt,
                stream=True,
                max_tokens=options.max_tokens,
                stop=list(options.stop[:MAX_SERVER_STOPS]) or None,
                **self._sampling(options),
            )

        return self._run(open_stream, lambda chunk: chunk.choices[0].text if chunk.choices else "", prompt, options,
                         cancel, on_token)  # fmt: skip

    def chat(
        self,
        messages: Sequence[Message],
        options: GenerationOptions,
        cancel: CancelToken = NEVER_CANCELLED,
        on_token: TokenCallback | None = None,
    ) -> Completion:
        def open_stream() -> Any:
            return self._client.chat.completions.create(
                model=self.model,
                messages=[m.to_json() for m in messages],
                stream=True,
                stream_options={"include_usage": True},
                max_tokens=options.max_tokens,
                stop=list(options.stop[:MAX_SERVER_STOPS]) or None,
                **self._sampling(options),
            )

        def piece(chunk: Any) -> str:
            return (chunk.choices[0].delta.content or "") if chunk.choices else ""

        prompt_text = "\n".join(m.content for m in messages)
        return self._run(open_stream, piece, prompt_text, options, cancel, on_token)

    def _sampling(self, options: GenerationOptions) -> dict[str, Any]:
        """OpenAI's own sampling parameters; a server behind `base-url` (llama.cpp's, vLLM, Ollama)
        also gets top_k, min_p and repeat_penalty, which api.openai.com refuses."""
        out: dict[str, Any] = {"temperature": options.temperature, "top_p": options.top_p}
        if options.seed:
            out["seed"] = options.seed
        if self.base_url != DEFAULT_BASE_URL:
            out["extra_body"] = {"top_k": options.top_k, "min_p": options.min_p,
                                 "repeat_penalty": options.repeat_penalty}  # fmt: skip
        return out

    def _run(
        self,
        open_stream: Callable[[], Any],
        piece_of: Callable[[Any], str],
        prompt_text: str,
        options: GenerationOptions,
        cancel: CancelToken,
        on_token: TokenCallback | None,
    ) -> Completion:
        import openai

        collector = StreamCollector(options.stop, cancel, on_token, options.timeout_s)
        cancel.raise_if_cancelled()
        usage: Usage | None = None
        finish: str | None = None
        try:
            stream = open_stream()
            cancel.on_cancel(lambda: _interrupt(stream))
            try:
                for chunk in _chunks(stream):
                    if cancel.cancelled:
                        break
                    if getattr(chunk, "usage", None):
                        usage = Usage(chunk.usage.prompt_tokens or 0, chunk.usage.completion_tokens or 0)
                    if chunk.choices and chunk.choices[0].finish_reason:
                        finish = chunk.choices[0].finish_reason
                    if not collector.add(piece_of(chunk)):
                        break
            finally:
                stream.close()
        except openai.APIError as e:
            if cancel.cancelled:
                raise Cancelled(collector.text, self._usage(usage, prompt_text, collector)) from None
            raise BackendError(self._explain(e)) from None
        except Exception as e:  # httpx errors surface raw mid-stream (server gone, connection reset)
            if cancel.cancelled:
                raise Cancelled(collector.text, self._usage(usage, prompt_text, collector)) from None
            if _is_transport_error(e):
                raise BackendError(
                    f"the connection to {self.base_url} broke off in the middle of the answer "
                    f"({type(e).__name__}); try again, and check that the server is still running"
                ) from None
            raise
        used = self._usage(usage, prompt_text, collector)
        if cancel.cancelled:
            raise Cancelled(collector.text, used)
        text = collector.finish("length" if finish == "length" else None)
        return Completion(text, used, collector.finish_reason, self.model)

    def _usage(self, usage: Usage | None, prompt_text: str, collector: StreamCollector) -> Usage:
        if usage is not None:
            return usage
        return Usage(self.count_tokens(prompt_text), collector.pieces)

    def _explain(self, e: Exception) -> str:
        return scrub(explain_error(e, self.base_url, self.model, self.timeout_s), self._key)

    def close(self) -> None:
        self._client.close()


def explain_error(e: Exception, where: str, model: str, timeout_s: float) -> str:
    """An SDK exception as a sentence that says what to do (shared with the Batch API CLI)."""
    import openai

    if isinstance(e, openai.AuthenticationError):
        return (
            f"{where} rejected the API key (401). Set a valid key: OPENAI_API_KEY, the editor's "
            '"Set API key" command, or the `api-key` setting'
        )
    if isinstance(e, openai.PermissionDeniedError):
        return f"{where} refused access to model {model} (403): check that your key may use it"
    if isinstance(e, openai.NotFoundError):
        return f"{where} does not know model {model!r} (404): check the `model` setting"
    if isinstance(e, openai.RateLimitError):
        return f"{where} is rate-limiting requests (429) and retries did not get through: wait a moment"
    if isinstance(e, openai.APITimeoutError):
        return f"{where} did not answer within {timeout_s:g} s: the server is slow or stuck (setting `timeout`)"
    if isinstance(e, openai.APIConnectionError):
        return f"cannot reach {where}: is the server running, and is `base-url` right?"
    if isinstance(e, openai.APIStatusError):
        return f"{where} answered HTTP {e.status_code}: {_short(e.message)}"
    return f"{where}: {_short(str(e))}"


def scrub(text: str, key: str | None) -> str:
    """Belt and braces: a server may quote the key back in an error message."""
    return text.replace(key, "***") if key and key != "none" else text


def _interrupt(stream: Any) -> None:
    """Stop a stream from another thread: shut its socket down, which wakes a read blocked on a
    silent server at once (closing the stream alone does not), then close it."""
    with contextlib.suppress(Exception):
        network = stream.response.extensions.get("network_stream")
        sock = network.get_extra_info("socket") if network is not None else None
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(Exception):
        stream.close()


def _chunks(stream: Iterable[Any]) -> Iterable[Any]:
    yield from stream


def _is_transport_error(e: Exception) -> bool:
    import httpx

    return isinstance(e, (httpx.HTTPError, ConnectionError))


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
