"""The language server's settings: one list, read by the server and printed into the README.

Client settings (initializationOptions, `workspace/configuration` section "spcopilot",
`workspace/didChangeConfiguration`) use these names; keys may be written kebab-case
(`include-dirs`), snake_case or camelCase (`includeDirs`). The engine's keys are the same as
`.spcopilot.toml`'s and go through `config.from_mapping`; the client's values override the file's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from spcopilot.diagnostics.config import Config, from_mapping
from spcopilot.diagnostics.errors import ConfigError

SECTION = "spcopilot"


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    type: str
    default: Any
    description: str
    engine: bool  # also a `.spcopilot.toml` key (handled by config.from_mapping)
    group: str = "server"  # "server" (ServerSettings) or "ai" (spcopilot.server.ai.config.AISettings)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "include-dirs",
        "list of paths",
        [],
        "SourceMod include folders (relative paths are relative to the workspace root); `include/` and `scripting/include/` next to a plugin are found on their own",
        True,
    ),
    Setting(
        "game-dir",
        "path",
        None,
        "An L4D2 install or dedicated server: event names and fields come from its own resource files",
        True,
    ),
    Setting("game", "string", "auto", "`auto` (detect per file), `l4d2`, `l4d1`, `csgo`, `tf2` or `generic`", True),
    Setting("select", "list of codes", [], 'Only these rule codes or prefixes (`["SPC2"]`); default: every rule', True),
    Setting("ignore", "list of codes", [], "Rule codes or prefixes to turn off", True),
    Setting(
        "severity", "table", {}, 'Per-rule severity: `{"SPC401": "hint"}` (`error`, `warning`, `info`, `hint`)', True
    ),
    Setting(
        "debounce-ms",
        "integer",
        150,
        "Wait this long after the last keystroke before pushing diagnostics (pull diagnostics answer at once)",
        False,
    ),
    Setting(
        "lint-workspace", "boolean", True, "Lint every `.sp` file of the workspace in the background on start", False
    ),
    Setting("max-file-mb", "number", 4, "Documents larger than this are kept in sync but not analysed", False),
    Setting(
        "cache-dir",
        "path",
        None,
        "Where the include index is cached (default: `$SPCOPILOT_CACHE_DIR` or `~/.cache/spcopilot`)",
        False,
    ),
    Setting(
        "spcomp",
        "path",
        None,
        "SourcePawn's compiler (`spcomp`/`spcomp64`); default: found on PATH, next to an include folder or in the plugin's `scripting/` folder",
        True,
    ),
    Setting(
        "spcomp-include-severity",
        "string",
        "info",
        "Severity of the compiler's warnings inside include files that are not yours (configured include folders outside the workspace, the compiler's own `include/`): `error`, `warning`, `info` or `hint`",
        True,
    ),
    Setting(
        "compile",
        "string",
        "onSave",
        "`onSave`: when a file is saved, compile its plugin with spcomp (when one is found) and show the compiler's errors with ours; `off`",
        False,
    ),
    Setting("compile-timeout", "number", 60, "Stop a compile after this many seconds", False),
    Setting(
        "analysis-timeout",
        "number",
        4,
        "Stop linting a document after this many seconds: it gets one information diagnostic saying so, is linted again when it changes, and completion, hover and the rest keep answering",
        False,
    ),
    Setting(
        "error-logs",
        "list of paths",
        (),
        "SourceMod error logs to follow (`addons/sourcemod/logs` folders or log files; relative to the workspace root): each runtime error and load failure shows on the plugin source line it blames, with its count, times and call stack, as new lines are written",
        False,
    ),
    Setting(
        "completion-limit",
        "integer",
        200,
        "At most this many completion items per request (the list is marked incomplete beyond it)",
        False,
    ),
    Setting(
        "inlay-hints",
        "boolean",
        False,
        "Show each argument's parameter name before it in calls (`PrintToChat(client: client, …)`) where the editor shows inlay hints",
        False,
    ),
    # ---- AI (the copilot half; every feature above works with backend "none") ----
    Setting(
        "backend",
        "string",
        "none",
        "`none`, `llamacpp` (offline GGUF), `openai` (OpenAI or any OpenAI-compatible server) or `replay` (recorded outputs); env `SPCOPILOT_BACKEND`",
        False,
        "ai",
    ),
    Setting("gguf", "path", None, "The GGUF model the `llamacpp` backend runs (env `SPCOPILOT_GGUF`)", False, "ai"),
    Setting(
        "threads",
        "integer",
        0,
        "CPU threads for llama.cpp; 0: half the cores (at least 1, at most 8), so the editor, the language server and the compiler keep the rest: llama.cpp's threads spin while they wait, and on a busy 2-core machine all-cores generation fell to 0.4 token/s where 1 thread kept 5.4 (see Benchmarks)",
        False,
        "ai",
    ),
    Setting(
        "context-size",
        "integer",
        4096,
        "llama.cpp context length in tokens; never more than the model's own training window (read from the GGUF)",
        False,
        "ai",
    ),
    Setting(
        "model",
        "string",
        "",
        "OpenAI model id, e.g. your `ft:gpt-4o-mini-…` fine-tune (env `SPCOPILOT_MODEL`)",
        False,
        "ai",
    ),
    Setting(
        "base-url",
        "string",
        "",
        "An OpenAI-compatible server instead of api.openai.com (Ollama, vLLM, llama.cpp server; env `OPENAI_BASE_URL`)",
        False,
        "ai",
    ),
    Setting(
        "api-key",
        "secret",
        "",
        "The OpenAI key, when the editor hands it over (VS Code keeps it in its secret storage); otherwise `OPENAI_API_KEY`. Never logged",
        False,
        "ai",
    ),
    Setting(
        "fim-family",
        "string",
        "",
        "For `openai` with a FIM model behind `base-url`: `qwen2.5-coder`, `starcoder2`, `codellama` or `deepseek-coder` (raw completions instead of the chat hole-filler)",
        False,
        "ai",
    ),
    Setting("timeout", "number", 30, "Seconds to wait for an OpenAI-compatible server", False, "ai"),
    Setting("max-retries", "integer", 2, "Retries (with backoff) on 429/5xx and dropped connections", False, "ai"),
    Setting(
        "replay-file", "path", None, "The JSONL of recorded outputs the `replay` backend answers from", False, "ai"
    ),
    Setting("inline-completion", "boolean", True, "Offer AI inline completions (ghost text)", False, "ai"),
    Setting(
        "inline-debounce-ms",
        "integer",
        0,
        "Wait this long after a keystroke before asking the model (0: adaptive, from the measured model latency)",
        False,
        "ai",
    ),
    Setting("inline-max-tokens", "integer", 96, "Longest inline suggestion, in tokens", False, "ai"),
    Setting("inline-time-cap-ms", "integer", 2000, "Stop generating an inline suggestion after this long", False, "ai"),
    Setting("max-tokens", "integer", 2048, "Longest answer of a generation command, in tokens", False, "ai"),
    Setting("temperature", "float", 0.2, "Sampling temperature (0: always the most likely token)", False, "ai"),
    Setting(
        "top-p",
        "float",
        0.95,
        "Nucleus sampling: keep the likeliest tokens up to this total probability (1: off)",
        False,
        "ai",
    ),
    Setting(
        "top-k",
        "integer",
        40,
        "Keep only this many likeliest tokens (0: off; llama.cpp, and OpenAI-compatible servers behind `base-url`)",
        False,
        "ai",
    ),
    Setting(
        "min-p",
        "float",
        0.05,
        "Drop tokens less likely than this fraction of the likeliest one (0: off; llama.cpp, and servers behind `base-url`)",
        False,
        "ai",
    ),
    Setting(
        "repeat-penalty",
        "float",
        1.1,
        "Make tokens repeated in the last 64 generated less likely (1: off); small models loop without it (llama.cpp, and servers behind `base-url`)",
        False,
        "ai",
    ),
    Setting(
        "seed",
        "integer",
        0,
        "Sampling seed: the same seed, prompt and settings give the same answer (llama.cpp; OpenAI best effort); 0: a new seed each request",
        False,
        "ai",
    ),
    Setting(
        "prices",
        "table",
        {},
        'USD per million tokens by model: `{"ft:gpt-4o-mini…": {"input": 0.3, "output": 1.2}}` (adds to / overrides the built-in table)',
        False,
        "ai",
    ),
    Setting(
        "log-level",
        "string",
        "info",
        "`error`, `warning`, `info` or `debug`: what goes to the editor's log (window/logMessage)",
        False,
    ),
)
BY_NAME = {s.name: s for s in SETTINGS}
LOG_LEVELS = ("error", "warning", "info", "debug")
COMPILE_MODES = {"off": "off", "onsave": "onSave"}


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """The server-only settings, parsed."""

    debounce_ms: int = 150
    lint_workspace: bool = True
    max_file_mb: float = 4
    cache_dir: Path | None = None
    completion_limit: int = 200
    inlay_hints: bool = False
    log_level: str = "info"
    compile: str = "onSave"  # "off" or "onSave"
    compile_timeout: float = 60.0
    analysis_timeout: float = 4.0
    error_logs: tuple[Path, ...] = ()

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)


def normalise_key(key: str) -> str:
    """`includeDirs`, `include_dirs` and `include-dirs` are the same setting."""
    key = re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", str(key)).lower()
    return key.replace("_", "-")


def unwrap(settings: object) -> dict[str, Any]:
    """The spcopilot settings out of whatever a client sent: `{"spcopilot": {...}}`, the section
    itself, or nothing."""
    if not isinstance(settings, Mapping):
        return {}
    section = settings.get(SECTION)
    values: Mapping[Any, Any] = section if isinstance(section, Mapping) else settings
    return {normalise_key(k): v for k, v in values.items()}


def parse_server_settings(values: Mapping[str, Any]) -> ServerSettings:
    """The server-only keys of normalised client settings (unknown keys are reported)."""
    unknown = sorted(k for k in values if k not in BY_NAME and k != "fail-on")
    if unknown:
        raise ConfigError(f"unknown setting {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
    out = ServerSettings()
    for f in fields(ServerSettings):
        key = f.name.replace("_", "-")
        if key not in values or values[key] is None:
            continue
        out = replace(out, **{f.name: _coerce(key, values[key])})
    return out


def _coerce(key: str, value: Any) -> Any:
    setting = BY_NAME[key]
    try:
        if setting.type == "integer":
            if isinstance(value, bool):
                raise ValueError
            number = int(value)
            if number < 0:
                raise ValueError
            return number
        if setting.type == "number":
            real = float(value)
            if real <= 0:
                raise ValueError
            return real
        if setting.type == "float":
            real = float(value)
            if real < 0 or isinstance(value, bool):
                raise ValueError
            return real
        if setting.type == "boolean":
            if not isinstance(value, bool):
                raise ValueError
            return value
        if setting.type == "path":
            return Path(str(value)).expanduser()
        if setting.type == "list of paths":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError
            return tuple(Path(v).expanduser() for v in value)
        if key == "compile":
            if str(value).lower() not in COMPILE_MODES:
                raise ConfigError(f"setting `compile` = {value!r}: use `onSave` or `off`")
            return COMPILE_MODES[str(value).lower()]
        if key == "log-level":
            if str(value).lower() not in LOG_LEVELS:
                raise ValueError
            return str(value).lower()
    except (TypeError, ValueError):
        raise ConfigError(f"setting `{key}` = {value!r}: expected {setting.type}") from None
    return value


def engine_config(file_config: Config, values: Mapping[str, Any], root: Path | None) -> Config:
    """The file's configuration with the client's engine settings over it."""
    engine_values = {k: v for k, v in values.items() if k in BY_NAME and BY_NAME[k].engine and v is not None}
    if not engine_values:
        return file_config
    client = from_mapping(engine_values, base_dir=root)
    overrides: dict[str, Any] = {}
    for key in engine_values:
        attr = key.replace("-", "_")
        value = getattr(client, attr)
        if attr == "severity":
            value = {**file_config.severity, **value}
        overrides[attr] = value
    return replace(file_config, **overrides)


def settings_markdown() -> str:
    """The README's settings table."""
    rows = ["| Setting | Type | Default | What it does |", "|---|---|---|---|"]
    for s in SETTINGS:
        default = "" if s.default in (None, [], {}, ()) else f"`{_json(s.default)}`"
        also = " (also in `.spcopilot.toml`)" if s.engine else ""
        rows.append(f"| `{SECTION}.{s.name}` | {s.type} | {default} | {s.description}{also} |")
    return "\n".join(rows) + "\n"


def _json(value: Any) -> str:
    import json

    return json.dumps(value)
