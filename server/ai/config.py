"""The AI settings (names in server/settings.py) with environment fallbacks, and the backend
they describe. The API key is kept out of `repr`, `to_json` and every message."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spcopilot.diagnostics.errors import ConfigError
from spcopilot.server.ai.backends.base import Backend, BackendError, GenerationOptions, StringChoice
from spcopilot.server.settings import _coerce

BACKENDS = ("none", "llamacpp", "openai", "replay")


@dataclass(frozen=True, slots=True)
class AISettings:
    backend: str = "none"
    gguf: Path | None = None
    threads: int = 0
    context_size: int = 4096
    model: str = ""
    base_url: str = ""
    api_key: str = field(default="", repr=False)
    fim_family: str = ""
    timeout: float = 30.0
    max_retries: int = 2
    replay_file: Path | None = None
    inline_completion: bool = True
    inline_debounce_ms: int = 0
    inline_max_tokens: int = 96
    inline_time_cap_ms: int = 2000
    max_tokens: int = 2048
    temperature: float = 0.2
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.1
    seed: int = 0
    prices: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def backend_key(self) -> tuple[object, ...]:
        """What identifies the loaded model/connection: a change here means a new backend."""
        return (self.backend, self.gguf, self.threads, self.context_size, self.model, self.base_url,
                self.api_key, self.fim_family, self.timeout, self.max_retries, self.replay_file)  # fmt: skip

    def generation_options(
        self,
        max_tokens: int | None = None,
        stop: Sequence[str] = (),
        temperature: float | None = None,
        timeout_s: float | None = None,
        choice: StringChoice | None = None,
        choice_after: Callable[[str], StringChoice | None] | None = None,
    ) -> GenerationOptions:
        """The sampling settings, with the answer length, stops, temperature, time cap and string
        choice (constrained names) of one request."""
        return GenerationOptions(
            max_tokens=max_tokens or self.max_tokens,
            temperature=self.temperature if temperature is None else temperature,
            top_p=self.top_p,
            top_k=self.top_k,
            min_p=self.min_p,
            repeat_penalty=self.repeat_penalty,
            seed=self.seed,
            stop=tuple(stop),
            timeout_s=timeout_s,
            choice=choice,
            choice_after=choice_after,
        )

    def to_json(self) -> dict[str, object]:
        """For `info` and logs: everything but the key (which shows only whether one is set)."""
        out: dict[str, object] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if name == "api_key":
                value = "(set)" if value or os.environ.get("OPENAI_API_KEY") else "(not set)"
            out[name.replace("_", "-")] = str(value) if isinstance(value, Path) else value
        return out


AI_KEYS = frozenset(name.replace("_", "-") for name in AISettings.__dataclass_fields__)
FILE_PATH_KEYS = ("gguf", "replay-file")


def ai_table(table: Mapping[str, Any], path: Path) -> dict[str, Any]:
    """The `[ai]` table of a .spcopilot.toml, normalised; paths relative to the file. A key in a
    file is refused: files get committed."""
    from spcopilot.server.settings import normalise_key

    out: dict[str, Any] = {}
    for raw, value in table.items():
        key = normalise_key(raw)
        if key == "api-key":
            raise ConfigError(f"`ai.{raw}` in {path}: keys do not belong in files; set OPENAI_API_KEY instead")
        if key not in AI_KEYS:
            raise ConfigError(
                f"unknown setting `ai.{raw}` in {path}; known: {', '.join(sorted(AI_KEYS - {'api-key'}))}"
            )
        if key in FILE_PATH_KEYS and isinstance(value, str) and value:
            value = str((path.parent / Path(value).expanduser()).resolve())
        out[key] = value
    return out


def ai_table_of_file(path: Path) -> dict[str, Any]:
    """The normalised `[ai]` table of one .spcopilot.toml ({} when it has none)."""
    from spcopilot.diagnostics.config import read_toml

    table = read_toml(path).get("ai", {})
    if not isinstance(table, Mapping):
        raise ConfigError(f"`ai` in {path} must be a table ([ai])")
    return ai_table(table, path)


# Sampling settings outside these bounds are refused (a top-p of 5 is a typo, not a choice).
RANGES = {
    "temperature": (0.0, 2.0),
    "top-p": (0.0, 1.0),
    "min-p": (0.0, 1.0),
    "repeat-penalty": (0.5, 2.0),
    "seed": (0, 2**32 - 2),  # llama.cpp takes a uint32; 2**32 - 1 means "random" to it
}

ENV = {
    "backend": "SPCOPILOT_BACKEND",
    "gguf": "SPCOPILOT_GGUF",
    "model": "SPCOPILOT_MODEL",
    "base-url": "OPENAI_BASE_URL",
    "replay-file": "SPCOPILOT_REPLAY_FILE",
}


def ai_settings(values: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> AISettings:
    """From normalised client settings (kebab-case keys); unset keys fall back to the environment."""
    environ = os.environ if environ is None else environ
    kwargs: dict[str, Any] = {}
    for name in AISettings.__dataclass_fields__:
        key = name.replace("_", "-")
        value = values.get(key)
        if value in (None, "") and key in ENV:
            value = environ.get(ENV[key]) or None
        if value is None:
            continue
        kwargs[name] = value if key in ("api-key", "prices") else _coerce(key, value)
    settings = AISettings(**kwargs)
    for key, (low, high) in RANGES.items():
        value = getattr(settings, key.replace("-", "_"))
        if not low <= value <= high:
            raise ConfigError(f"setting `{key}` = {value!r}: expected {low} to {high}")
    if settings.backend not in BACKENDS:
        raise ConfigError(f"setting `backend` = {settings.backend!r}: one of {', '.join(BACKENDS)}")
    if not isinstance(settings.prices, Mapping):
        raise ConfigError('setting `prices`: a table like {"model": {"input": 0.3, "output": 1.2}}')
    return settings


def create_backend(settings: AISettings) -> Backend:
    """The backend the settings describe (it loads the model / opens the client now)."""
    if settings.backend == "none":
        from spcopilot.server.ai.backends.none import NoBackend

        return NoBackend()
    if settings.backend == "replay":
        from spcopilot.server.ai.backends.replay import ReplayBackend

        if settings.replay_file is None:
            raise BackendError("the replay backend needs `replay-file` (a JSONL of recorded outputs)")
        return ReplayBackend(settings.replay_file)
    if settings.backend == "llamacpp":
        from spcopilot.server.ai.backends.llamacpp import LlamaCppBackend

        if settings.gguf is None:
            raise BackendError("the llamacpp backend needs `gguf` (the path of a .gguf model) or SPCOPILOT_GGUF")
        return LlamaCppBackend(settings.gguf, settings.threads or None, settings.context_size)
    from spcopilot.server.ai.backends.openai_backend import OpenAIBackend

    return OpenAIBackend(
        settings.model,
        api_key=settings.api_key or None,
        base_url=settings.base_url or None,
        timeout_s=settings.timeout,
        max_retries=settings.max_retries,
        fim_family=settings.fim_family or None,
    )
