"""What every request of the API shares: the copilot service (one backend for all requests,
its session ledger), the inline completer, the engine's linter, the worker threads that run
model calls, and the limits. The same pieces the language server holds (server/lsp/ai_runtime.py),
configured like the generation commands (flags > environment > `[ai]` of .spcopilot.toml)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.linter import Linter
from spcopilot.server.ai.backends.base import CancelToken
from spcopilot.server.ai.config import AISettings
from spcopilot.server.ai.inline.completer import InlineCompleter
from spcopilot.server.ai.service import Copilot
from spcopilot.server.api.check_workers import CheckWorkers
from spcopilot.server.api.errors import NO_RETRY, ApiError, Redactor
from spcopilot.server.api.limits import ClientSlots, Limits

from spcopilot import __version__

# Model calls run here: llama.cpp serialises them under its lock, an OpenAI-compatible server
# answers several at once. Calls beyond this wait (their time counts against the timeout).
MODEL_WORKERS = 8


@dataclass(eq=False)
class ApiRuntime:
    copilot: Copilot
    linter: Linter
    limits: Limits
    repair: bool = True  # the default of /v1/generate-plugin's `repair`
    redactor: Redactor = field(default_factory=Redactor)
    auth: bool = False
    knowledge: dict[str, int | str] = field(default_factory=dict)
    completer: InlineCompleter = field(init=False)
    slots: ClientSlots = field(init=False)
    executor: ThreadPoolExecutor = field(init=False)
    # The linter's include indexes and caches are built lazily and not made for threads.
    engine_lock: threading.Lock = field(default_factory=threading.Lock)
    inflight: set[CancelToken] = field(default_factory=set)
    checkers: CheckWorkers = field(init=False)  # /v1/check's worker processes

    def __post_init__(self) -> None:
        self.completer = InlineCompleter(self.copilot)  # no feedback log: nothing is written
        self.slots = ClientSlots(self.limits.concurrent_per_client)
        self.checkers = CheckWorkers(self.linter.config)
        self.executor = ThreadPoolExecutor(max_workers=MODEL_WORKERS, thread_name_prefix="spcopilot-api-model")

    @classmethod
    def start(
        cls,
        settings: AISettings,
        config: Config,
        limits: Limits,
        repair: bool = True,
        redactor: Redactor | None = None,
        auth: bool = False,
    ) -> ApiRuntime:
        """Load the backend now (a missing model or key fails the start, not the first request)
        and read the knowledge base's counts once."""
        from spcopilot.server.ai.cli.info import knowledge_stats

        copilot = Copilot(settings, config)
        copilot.backend  # noqa: B018 (loads it now, and logs what it loaded)
        stats = {k: v if isinstance(v, int) else str(v) for k, v in knowledge_stats(config).items()}
        return cls(copilot, Linter(config), limits, repair, redactor or Redactor(), auth, stats)

    @property
    def settings(self) -> AISettings:
        return self.copilot.settings

    def require_model(self) -> None:
        """503 when no backend is configured: say how to configure one."""
        if self.settings.backend == "none":
            from spcopilot.server.ai.backends.none import HOW_TO_CONFIGURE

            raise ApiError(503, HOW_TO_CONFIGURE, "backend_unavailable", "no_backend", headers=NO_RETRY)

    def health(self) -> dict[str, object]:
        backend = self.copilot.backend
        return {
            "status": "ok",
            "version": __version__,
            "backend": backend.name,
            "model": backend.model,
            "loaded": {
                k: v if isinstance(v, (str, int, float, bool)) or v is None else str(v)
                for k, v in backend.info().items()
            },
            "knowledge": self.knowledge,
            "session": self.copilot.ledger.to_json(),
            "limits": self.limits.to_json(),
            "auth": self.auth,
        }

    def close(self) -> None:
        """Stop what runs (each model call stops within a token) and free the model."""
        for token in list(self.inflight):
            token.cancel()
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.checkers.stop()
        self.copilot.close()
