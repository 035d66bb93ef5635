"""Offline mode: a GGUF model run in-process by llama.cpp (`llama-cpp-python`). No socket is
ever opened: llama.cpp reads the file, nothing else.

- One model load shared by every request; a lock serialises generation (llama.cpp contexts are
  not re-entrant), and since a new inline request cancels the previous one, a waiting request
  gets the model within one token.
- Cancellation: a stopping criterion runs once per sampled token, before it is emitted, and
  ends generation when the request was cancelled or its time cap passed: at most one token
  after a cancel.
- FIM: the model's vocabulary decides (its own `<|fim_prefix|>`-like tokens, see prompts.fim);
  prefix-only otherwise. Chat prompts are rendered with the GGUF's own chat template (ChatML
  when it has none), then run as a completion so the same cancel path applies.
- Names in string arguments (`GenerationOptions.choice`, and `choice_after` for the strings a
  suggestion opens itself): a logits processor keeps the model to the knowledge base's names
  (string_choice.py).
- llama.cpp keeps the previous prompt's KV cache and re-evaluates only from the first token that
  differs: the prompt builder keeps the prompt head stable for that.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
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
from spcopilot.server.ai.backends.string_choice import ChoiceProcessor, TokenPieces

log = logging.getLogger("spcopilot.ai")
INSTALL_HINT = 'the offline mode needs llama-cpp-python: pip install "sourcepawn-copilot[local]"'
CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def default_threads() -> int:
    """Half the CPUs this process may use (at least 1, at most 8). llama.cpp's threads spin while
    they wait for each other: with every core taken, the editor, the language server and a compile
    preempt them and generation collapses (bench/threads.py measures it)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cpus = os.cpu_count() or 2
    return max(1, min(8, cpus // 2))


class LlamaCppBackend(Backend):
    name = "llamacpp"

    def __init__(self, gguf: Path | str, threads: int | None = None, context_size: int = 4096) -> None:
        path = Path(gguf).expanduser()
        if not path.is_file():
            raise BackendError(f"no GGUF model at {path}: set `gguf` to the .gguf file (spcopilot export makes one)")
        try:
            import llama_cpp
        except ImportError:
            raise BackendError(INSTALL_HINT) from None
        self.path = path
        self.model = path.name
        self.threads = threads or default_threads()
        self._llm = self._load(llama_cpp, context_size)
        trained = self.trained_context
        if trained and context_size > trained:
            # Beyond the window it was trained on a model writes noise: ask for no more than that.
            log.info("%s was trained on %d tokens of context: using %d, not %d", path.name, trained, trained,
                     context_size)  # fmt: skip
            self._llm.close()
            self._llm = self._load(llama_cpp, trained)
        self._lock = threading.Lock()
        self._pieces: TokenPieces | None = None
        self._fim = self._find_fim_tokens()
        self._chat_formatter = self._make_chat_formatter()

    def _load(self, llama_cpp: Any, context_size: int) -> Any:
        try:
            return llama_cpp.Llama(
                model_path=str(self.path),
                n_ctx=context_size,
                n_threads=self.threads,
                n_threads_batch=self.threads,
                verbose=False,
            )
        except (ValueError, RuntimeError) as e:
            raise BackendError(f"llama.cpp could not load {self.path}: {e} (is it a complete GGUF file?)") from None

    # ---- model facts -------------------------------------------------------------------------
    @property
    def trained_context(self) -> int:
        """The context length the model was trained on (`<arch>.context_length`; 0 if unknown)."""
        return int(self._llm._model.n_ctx_train())

    @property
    def parameters(self) -> int | None:
        return int(self._llm._model.n_params())

    @property
    def context_window(self) -> int | None:
        return int(self._llm.n_ctx())

    @property
    def constrains_choice(self) -> bool:
        return True

    def token_pieces(self) -> TokenPieces:
        """The bytes of every token (made on the first constrained request: ~0.1 s for 49k tokens)."""
        if self._pieces is None:
            model = self._llm._model
            self._pieces = TokenPieces([model.detokenize([t], special=False) for t in range(self._llm.n_vocab())])
        return self._pieces

    def _is_single_token(self, text: str) -> bool:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)) == 1

    def _find_fim_tokens(self) -> dict[str, str] | None:
        from spcopilot.server.ai.prompts.fim import candidate_tokens, family_for_tokens

        family = family_for_tokens(t for t in candidate_tokens() if self._is_single_token(t))
        if family is None:
            return None
        return {"family": family.name, "prefix": family.prefix, "suffix": family.suffix, "middle": family.middle}

    @property
    def fim_tokens(self) -> dict[str, str] | None:
        return self._fim

    @property
    def metadata(self) -> dict[str, str]:
        return dict(self._llm.metadata)

    def _make_chat_formatter(self) -> Any:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        meta = self._llm.metadata
        template = meta.get("tokenizer.chat_template") or CHATML

        def token_text(key: str, default: str) -> str:
            token_id = meta.get(key)
            if token_id is None:
                return default
            return self._llm.detokenize([int(token_id)], special=True).decode("utf-8", "replace")

        return Jinja2ChatFormatter(
            template,
            eos_token=token_text("tokenizer.ggml.eos_token_id", "<|endoftext|>"),
            bos_token=token_text("tokenizer.ggml.bos_token_id", ""),
            add_generation_prompt=True,
        )

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)) if text else 0

    def info(self) -> dict[str, object]:
        return {
            "backend": self.name,
            "model": self.model,
            "path": str(self.path),
            "threads": self.threads,
            "context": self._llm.n_ctx(),
            "trained_context": self.trained_context,
            "parameters": self.parameters,
            "fim": (self._fim or {}).get("family", "none (prefix only)"),
        }

    # ---- generation --------------------------------------------------------------------------
    def complete(
        self,
        prompt: str,
        options: GenerationOptions,
        cancel: CancelToken = NEVER_CANCELLED,
        on_token: TokenCallback | None = None,
        stop: Sequence[str] = (),
    ) -> Completion:
        """llama.cpp's own token generator (`Llama.generate`: the sampler and KV-cache prefix reuse
        `create_completion` uses, with the same sampling defaults) driven by a lean loop: the
        cancel and the time cap are checked before each next token is computed, stop sequences
        and the token callback are handled by `StreamCollector`, end-of-generation tokens by the
        vocabulary. Per token this does less than `create_completion`."""
        import codecs

        import llama_cpp

        stops = [s for s in (*options.stop, *stop) if s]
        collector = StreamCollector(stops, cancel, on_token, options.timeout_s)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        cancel.raise_if_cancelled()
        with self._lock:
            cancel.raise_if_cancelled()
            llm = self._llm
            tokens = llm.tokenize(prompt.encode("utf-8"), special=True)  # as create_completion does
            budget = llm.n_ctx() - len(tokens) - 1
            if budget <= 0:
                raise BackendError(
                    f"the prompt ({len(tokens)} tokens) does not fit the model's context ({llm.n_ctx()})"
                )
            limit = min(options.max_tokens, budget)
            vocab = llm._model.vocab
            generated = 0
            finish = "length"
            llm.set_seed(options.seed or llama_cpp.LLAMA_DEFAULT_SEED)  # (the default: a new seed each time)
            sampling: dict[str, Any] = {"top_k": options.top_k, "top_p": options.top_p, "min_p": options.min_p,
                        "temp": options.temperature, "repeat_penalty": options.repeat_penalty}  # fmt: skip
            choice = None
            if options.choice is not None or options.choice_after is not None:
                choice = ChoiceProcessor(self.token_pieces(), options.choice, options.choice_after)
                sampling["logits_processor"] = llama_cpp.LogitsProcessorList([choice])
            for token in llm.generate(tokens, **sampling):
                if cancel.cancelled:
                    break
                if llama_cpp.llama_vocab_is_eog(vocab, token):
                    finish = "stop"
                    break
                generated += 1
                raw = llm._model.detokenize([token], special=False)
                piece = decoder.decode(raw)
                if not collector.add(piece):
                    finish = collector.finish_reason
                    break
                if choice is not None:
                    choice.advance(raw, collector.text)
                if generated >= limit:
                    break
        usage = Usage(len(tokens), generated)
        if cancel.cancelled:
            raise Cancelled(collector.text, usage)
        text = collector.finish(finish)
        return Completion(text, usage, collector.finish_reason, self.model)

    def chat(
        self,
        messages: Sequence[Message],
        options: GenerationOptions,
        cancel: CancelToken = NEVER_CANCELLED,
        on_token: TokenCallback | None = None,
    ) -> Completion:
        prompt, stops = self.render_chat(messages)
        return self.complete(prompt, options, cancel, on_token, stop=(*stops, "<|im_end|>"))

    def render_chat(self, messages: Sequence[Message]) -> tuple[str, list[str]]:
        """The conversation as the model reads it (the GGUF's own chat template), and its stops."""
        rendered = self._chat_formatter(messages=[m.to_json() for m in messages])
        stops = rendered.stop if isinstance(rendered.stop, list) else [rendered.stop] if rendered.stop else []
        return rendered.prompt, stops

    def close(self) -> None:
        self._llm.close()
