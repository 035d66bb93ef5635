"""Lint configuration: `.spcopilot.toml`, CLI flags and client settings share these keys.

```toml
# .spcopilot.toml at the workspace root
select = ["SPC1", "SPC201"]   # codes or prefixes; default: every rule
ignore = ["SPC401"]
game = "auto"                 # auto | l4d2 | l4d1 | csgo | tf2 | generic
include-dirs = ["scripting/include"]   # relative to this file
game-dir = "/srv/l4d2"        # an L4D2 install or dedicated server (events from its .res files)
fail-on = "warning"           # spcopilot check exits 1 at or above this severity
spcomp = "/opt/sourcemod/addons/sourcemod/scripting/spcomp64"  # SourcePawn's compiler (default: searched)
spcomp-include-severity = "info"  # the compiler's warnings in include files that are not yours

[severity]
SPC401 = "hint"
```
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from spcopilot.diagnostics.errors import ConfigError
from spcopilot.diagnostics.model import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_FILENAME = ".spcopilot.toml"
GAMES = ("auto", "l4d2", "l4d1", "csgo", "tf2", "generic")
KNOWN_KEYS = {
    "select",
    "ignore",
    "game",
    "include-dirs",
    "game-dir",
    "fail-on",
    "severity",
    "spcomp",
    "spcomp-include-severity",
}


@dataclass(frozen=True, slots=True)
class Config:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    game: str = "auto"
    include_dirs: tuple[Path, ...] = ()
    game_dir: Path | None = None
    fail_on: Severity = Severity.WARNING
    spcomp: Path | None = None  # the user's SourcePawn compiler; None: search (diagnostics/compiler)
    # the compiler's warnings in include files the user does not own (diagnostics/compiler/ownership.py)
    spcomp_include_severity: Severity = Severity.INFO
    source: Path | None = None

    def enabled(self, code: str) -> bool:
        if self.select and not any(code.startswith(p) for p in self.select):
            return False
        return not any(code.startswith(p) for p in self.ignore)

    def severity_for(self, code: str, default: Severity) -> Severity:
        return self.severity.get(code, default)

    def merged(self, **overrides: object) -> Config:
        """A copy with the given non-empty values replacing ours (CLI flags over the file)."""
        values = {k: v for k, v in overrides.items() if v not in (None, (), [], {})}
        return replace(self, **values)  # type: ignore[arg-type]


def _codes(value: object, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'`{key}` must be a list of rule codes or prefixes, e.g. ["SPC2"]')
    codes = tuple(v.strip().upper() for v in value)
    bad = [c for c in codes if not c.startswith("SPC")]
    if bad:
        raise ConfigError(f"`{key}`: {', '.join(bad)} is not a rule code (codes look like SPC201)")
    return codes


def from_mapping(data: Mapping[str, object], base_dir: Path | None = None, source: Path | None = None) -> Config:
    """Build a Config from `.spcopilot.toml` contents or client settings (same keys; `_` or `-`)."""
    data = {str(k).replace("_", "-"): v for k, v in data.items()}
    where = f" in {source}" if source else ""
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"unknown setting {', '.join(unknown)}{where}; known: {', '.join(sorted(KNOWN_KEYS))}")
    kwargs: dict[str, object] = {"source": source}
    if "select" in data:
        kwargs["select"] = _codes(data["select"], "select")
    if "ignore" in data:
        kwargs["ignore"] = _codes(data["ignore"], "ignore")
    if "game" in data:
        game = str(data["game"]).lower()
        if game not in GAMES:
            raise ConfigError(f"`game` = {data['game']!r}{where}; use one of {', '.join(GAMES)}")
        kwargs["game"] = game
    for key in ("fail-on", "spcomp-include-severity"):
        if key in data:
            try:
                kwargs[key.replace("-", "_")] = Severity.parse(str(data[key]))
            except ValueError as exc:
                raise ConfigError(f"`{key}`{where}: {exc}") from None
    if "severity" in data:
        table = data["severity"]
        if not isinstance(table, Mapping):
            raise ConfigError(f'`severity`{where} must be a table like {{SPC401 = "hint"}}')
        sev: dict[str, Severity] = {}
        for code, value in table.items():
            try:
                sev[str(code).upper()] = Severity.parse(str(value))
            except ValueError as exc:
                raise ConfigError(f"`severity.{code}`{where}: {exc}") from None
        kwargs["severity"] = sev
    base = base_dir or Path.cwd()
    if "include-dirs" in data:
        dirs = data["include-dirs"]
        if isinstance(dirs, str):
            dirs = [dirs]
        if not isinstance(dirs, list):
            raise ConfigError(f"`include-dirs`{where} must be a list of folders")
        kwargs["include_dirs"] = tuple((base / str(d)).expanduser() for d in dirs)
    if data.get("game-dir"):
        kwargs["game_dir"] = (base / str(data["game-dir"])).expanduser()
    if data.get("spcomp"):
        kwargs["spcomp"] = (base / str(data["spcomp"])).expanduser()
    return Config(**kwargs)  # type: ignore[arg-type]


def read_toml(path: Path) -> dict:
    """A .spcopilot.toml as a dict; unreadable or invalid files are ConfigErrors that say which."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None


def load_file(path: Path) -> Config:
    data = read_toml(path)
    data.pop("ai", None)  # the copilot's table (backend, model…): read by spcopilot.server.ai.config
    return from_mapping(data, base_dir=path.parent, source=path)


def find_config_file(start: Path) -> Path | None:
    """The nearest `.spcopilot.toml` in `start` or its parents."""
    start = start.resolve()
    for folder in [start, *start.parents] if start.is_dir() else list(start.parents):
        candidate = folder / CONFIG_FILENAME
        if candidate.is_file():
            return candidate
    return None


def discover(start: Path) -> Config:
    found = find_config_file(start)
    return load_file(found) if found else Config()


# Findings that mean a wrong API: a function, event, event field or netprop that does not exist
# or is deprecated, or one read with the wrong accessor or prop type (the seeds' V6 lesson: such
# names inside training answers teach them). The editor shows some as warnings, since the code
# may still work somewhere (m_flSpeed is real on doors); training data holds a stricter line.
WRONG_API_CODES = (
    "SPC101", "SPC102", "SPC201", "SPC202", "SPC203", "SPC204", "SPC301", "SPC302", "SPC303", "SPC305",
)  # fmt: skip


def training_profile(base: Config | None = None) -> Config:
    """The engine's "training" profile: `base` (default settings) with every wrong-API finding an
    error, whatever its editor severity. The dataset sanitiser and audit lint with it; the
    editor's severities are unchanged."""
    base = base or Config()
    severity = dict(base.severity) | {code: Severity.ERROR for code in WRONG_API_CODES}
    return replace(base, severity=severity)


def codes_in(values: Iterable[str] | None) -> tuple[str, ...]:
    return _codes(list(values or []), "codes") if values else ()
