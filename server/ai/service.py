"""The copilot service: one backend (loaded lazily, replaced when its settings change), the
session's cost ledger, and the generation tasks, each ending in the guard. The LSP commands, the
CLI and the evaluation battery call these; none of them talks to a backend or lints on its own."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from spcopilot.diagnostics.budget import Budget
from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.model import Diagnostic
from spcopilot.server.ai.backends.base import (
    NEVER_CANCELLED,
    Backend,
    CancelToken,
    Completion,
    GenerationOptions,
    Message,
    TokenCallback,
    Usage,
)
from spcopilot.server.ai.config import AISettings, create_backend
from spcopilot.server.ai.cost import Ledger, describe_cost, price_of
from spcopilot.server.ai.guard import Compile, GuardResult, default_compile, default_lint, guard
from spcopilot.server.ai.prompts import tasks
from spcopilot.server.ai.prompts.system import system_prompt_for

log = logging.getLogger("spcopilot.ai")


@dataclass(slots=True)
class GenerationResult:
    text: str  # code (guarded) or markdown (explain)
    guard: GuardResult | None
    usage: Usage
    cost_usd: float
    model: str
    cost_text: str = ""
    finish_reason: str = "stop"

    def to_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "guard": self.guard.to_json() if self.guard else None,
            "usage": {"prompt_tokens": self.usage.prompt_tokens, "completion_tokens": self.usage.completion_tokens},
            "cost_usd": round(self.cost_usd, 6),
            "cost": self.cost_text,
            "model": self.model,
            "finish_reason": self.finish_reason,
        }


@dataclass(slots=True)
class Copilot:
    settings: AISettings = field(default_factory=AISettings)
    config: Config = field(default_factory=Config)
    ledger: Ledger = field(default_factory=Ledger)
    _backend: Backend | None = None
    _backend_key: tuple[object, ...] = ()
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _compilers: dict[tuple[object, ...], Compile | None] = field(default_factory=dict)

    def configure(self, settings: AISettings, config: Config | None = None) -> None:
        with self._lock:
            if settings.backend_key() != self._backend_key and self._backend is not None:
                self._backend.close()
                self._backend = None
            self.settings = settings
            if config is not None:
                self.config = config

    @property
    def backend(self) -> Backend:
        """The configured backend, created on first use (raises BackendError with what to do)."""
        with self._lock:
            if self._backend is None:
                self._backend = create_backend(self.settings)
                self._backend_key = self.settings.backend_key()
                log.info("AI backend: %s", ", ".join(f"{k}={v}" for k, v in self._backend.info().items()))
            return self._backend

    @property
    def loaded(self) -> Backend | None:
        return self._backend

    def close(self) -> None:
        with self._lock:
            if self._backend is not None:
                self._backend.close()
                self._backend = None

    def compile_check(self, path: str) -> Compile | None:
        """The guard's compile step with the user's compiler (None without one); searched once
        per path and configuration."""
        with self._lock:
            key = (path, self.config.spcomp, self.config.include_dirs)
            if key not in self._compilers:
                self._compilers[key] = default_compile(self.config, path)
            return self._compilers[key]

    # ---- accounting --------------------------------------------------------------------------
    def account(self, completion: Completion, batch: bool = False) -> tuple[float, str]:
        price = price_of(completion.model or self.backend.model, self.backend.name, self.settings.prices)
        cost = self.ledger.add(completion.usage, price, batch)
        return cost, describe_cost(completion.usage, cost, price)

    # ---- tasks -------------------------------------------------------------------------------
    def system_prompt(self) -> str:
        """The system prompt sized to the loaded model (compact for small local models)."""
        backend = self.backend
        return system_prompt_for(backend.parameters, backend.context_window)

    def options(
        self, max_tokens: int | None = None, stop: Sequence[str] = (), temperature: float | None = None
    ) -> GenerationOptions:
        """The settings' sampling, answer length and temperature, unless the request names its own."""
        return self.settings.generation_options(max_tokens, stop, temperature)

    def run_chat(
        self,
        messages: Sequence[Message],
        cancel: CancelToken = NEVER_CANCELLED,
        on_token: TokenCallback | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] = (),
    ) -> tuple[Completion, float, str]:
        completion = self.backend.chat(messages, self.options(max_tokens, stop, temperature), cancel, on_token)
        cost, text = self.account(completion)
        return completion, cost, text

    def _guarded(
        self,
        messages: Sequence[Message],
        cancel: CancelToken,
        on_token: TokenCallback | None,
        path: str,
        repair: bool,
        max_tokens: int | None = None,
    ) -> GenerationResult:
        completion = self.backend.chat(messages, self.options(max_tokens), cancel, on_token)
        return self.guard_answer(completion, path, repair, cancel=cancel)

    def guard_answer(
        self,
        completion: Completion,
        path: str = "generated.sp",
        repair: bool = True,
        batch: bool = False,
        cancel: CancelToken = NEVER_CANCELLED,
    ) -> GenerationResult:
        """Account for a model answer (at the Batch API's half price when `batch`) and run its code
        through the guard, with one repair round (a normal request) when `repair`."""
        price = price_of(completion.model or self.backend.model, self.backend.name, self.settings.prices)
        usage, cost = completion.usage, self.ledger.add(completion.usage, price, batch)

        def repair_round(bad_code: str, findings: str) -> str | None:
            nonlocal usage, cost
            if cancel.cancelled:
                return None
            answer, more_cost, _ = self.run_chat(
                tasks.repair_messages(bad_code, findings, self.system_prompt()), cancel
            )
            usage, cost = usage + answer.usage, cost + more_cost
            return tasks.extract_code(answer.text)

        code = tasks.extract_code(completion.text)
        checked = guard(code, default_lint(self.config, path), repair_round if repair else None,
                        self.compile_check(path))  # fmt: skip
        return GenerationResult(checked.code, checked, usage, cost, completion.model or self.backend.model,
                                describe_cost(usage, cost, price), completion.finish_reason)  # fmt: skip

    def generate_plugin(
        self,
        instruction: str,
        cancel: CancelToken = NEVER_CANCELLED,
        on_token: TokenCallback | None = None,
        path: str = "generated.sp",
        repair: bool = True,
        max_tokens: int | None = None,
    ) -> GenerationResult:
        messages = tasks.plugin_messages(instruction, system=self.system_prompt())
        return self._guarded(messages, cancel, on_token, path, repair, max_tokens)

    def generate_at_cursor(
        self,
        instruction: str,
        before: str,
        after: str,
        notes: str = "",
        cancel: CancelToken = NEVER_CANCELLED,
        path: str = "plugin.sp",
        max_tokens: int | None = None,
    ) -> GenerationResult:
        """Code to insert at the cursor. The guard checks it in place (the whole file with the
        insertion): only findings inside the inserted text are reported or fixed."""
        messages = tasks.at_cursor_messages(instruction, before, after, notes, self.system_prompt())
        completion, cost, cost_text = self.run_chat(messages, cancel, max_tokens=max_tokens)
        snippet = tasks.extract_code(completion.text)
        checked = guard_insertion(before, snippet, after, self.config, path)
        return GenerationResult(checked.code, checked, completion.usage, cost, completion.model, cost_text,
                                completion.finish_reason)  # fmt: skip

    def fix_with_model(self, code: str, finding: str, cancel: CancelToken = NEVER_CANCELLED) -> GenerationResult:
        completion, cost, cost_text = self.run_chat(tasks.fix_messages(code, finding, self.system_prompt()), cancel)
        fixed = tasks.extract_code(completion.text)
        return GenerationResult(fixed, None, completion.usage, cost, completion.model, cost_text)

    def explain(self, code: str, cancel: CancelToken = NEVER_CANCELLED) -> GenerationResult:
        messages = tasks.explain_messages(code, system=self.system_prompt())
        completion, cost, cost_text = self.run_chat(messages, cancel, max_tokens=768)
        return GenerationResult(completion.text.strip(), None, completion.usage, cost, completion.model, cost_text)


def guard_insertion(
    before: str,
    snippet: str,
    after: str,
    config: Config | None,
    path: str,
    scope: object = None,
    budget: Budget | None = None,
) -> GuardResult:
    """Guard a snippet in its file: lint `before + snippet + after`, apply the fixes (unsafe too) of
    findings that touch the snippet and leave `before` and `after` as they are (one at a time,
    re-linting, at most a few rounds), report what still touches the snippet. `budget` covers all
    the rounds (AnalysisStopped when it runs out); under one, the parses also let the process's
    other threads run (parsing.parse)."""
    from spcopilot.diagnostics.engine import lint
    from spcopilot.diagnostics.fixes import apply_edits, select_fixes

    head, tail = before.encode("utf-8"), after.encode("utf-8")
    body = snippet.encode("utf-8")

    def touching(source: bytes, inserted: bytes) -> list[Diagnostic]:
        start, end = len(head), len(head) + len(inserted)
        found = lint(source, path, config, scope=scope, budget=budget)
        return [d for d in found if (d.start_byte < end and d.end_byte > start) or start <= d.start_byte < end]

    fixed: list[Diagnostic] = []
    remaining = touching(head + body + tail, body)
    for _ in range(5):
        source = head + body + tail
        for d in select_fixes(remaining, unsafe=True):  # generated code: unsafe fixes too, reported
            assert d.fix is not None
            trial = apply_edits(source, d.fix.edits)
            if trial.startswith(head) and trial.endswith(tail) and len(trial) >= len(head) + len(tail):
                body = trial[len(head) : len(trial) - len(tail)]
                fixed.append(d)
                break
        else:
            break
        remaining = touching(head + body + tail, body)
    return GuardResult(body.decode("utf-8", "replace"), remaining, fixed, [], False, snippet)
