"""The server's AI state: the copilot service (backend + ledger), the inline completer, the
request in flight per document (a new one cancels it), the model worker threads, and the
feedback log. Configured from the same client settings as everything else."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from spcopilot.diagnostics.errors import SpcopilotError
from spcopilot.diagnostics.include_cache import default_cache_root
from spcopilot.server.ai.backends.base import CancelToken
from spcopilot.server.ai.config import AISettings, ai_settings, ai_table_of_file
from spcopilot.server.ai.inline.completer import InlineCompleter
from spcopilot.server.ai.inline.feedback import FeedbackLog
from spcopilot.server.ai.service import Copilot

log = logging.getLogger("spcopilot.ai")


class AiRuntime:
    def __init__(self) -> None:
        self.copilot = Copilot()
        self.feedback = FeedbackLog(None)
        self.completer = InlineCompleter(self.copilot, self.feedback)
        self.executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="spcopilot-model")
        self.inflight: dict[str, CancelToken] = {}
        self.reported: set[str] = set()  # backend errors already shown to the user

    @property
    def settings(self) -> AISettings:
        return self.copilot.settings

    @property
    def enabled(self) -> bool:
        return self.settings.backend != "none"

    def configure(
        self, values: dict[str, Any], root: Path | None, config: Any, cache_dir: Path | None, config_file: Path | None
    ) -> None:
        """The `[ai]` table of .spcopilot.toml with the client's settings over it; raises
        ConfigError for invalid AI settings (the caller reports it)."""
        from_file = ai_table_of_file(config_file) if config_file is not None else {}
        settings = ai_settings({**from_file, **{k: v for k, v in values.items() if v is not None}})
        if root is not None:
            settings = _resolved(settings, root)
        self.copilot.configure(settings, config)
        self.feedback.path = (cache_dir or default_cache_root()) / "feedback" / "inline.jsonl"
        self.reported.clear()

    def start_inline(self, uri: str) -> CancelToken:
        """A new inline request for `uri`: the previous one (and its model call) is cancelled."""
        token = CancelToken()
        previous = self.inflight.get(uri)
        if previous is not None:
            previous.cancel()
        self.inflight[uri] = token
        return token

    def finish_inline(self, uri: str, token: CancelToken) -> None:
        if self.inflight.get(uri) is token:
            del self.inflight[uri]

    def report_once(self, error: SpcopilotError) -> bool:
        """True the first time an error text is seen (show it); later repeats only go to the log."""
        text = str(error)
        if text in self.reported:
            log.debug("%s", text)
            return False
        self.reported.add(text)
        return True

    def shutdown(self) -> None:
        for token in list(self.inflight.values()):
            token.cancel()
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.copilot.close()


def _resolved(settings: AISettings, root: Path) -> AISettings:
    """Relative model and replay paths are relative to the workspace root."""
    from dataclasses import replace

    changes: dict[str, Path] = {}
    for name in ("gguf", "replay_file"):
        value = getattr(settings, name)
        if value is not None and not value.is_absolute():
            changes[name] = root / value
    return replace(settings, **changes) if changes else settings
