"""The rule catalogue: every module under `rules/<family>/` defines one `Rule` subclass."""

from __future__ import annotations

import importlib
import pkgutil
import threading

from spcopilot.diagnostics.rules.base import Rule

_loaded: tuple[Rule, ...] | None = None
_lock = threading.Lock()


def all_rules() -> tuple[Rule, ...]:
    """One instance of every rule, ordered by code. Built once under a lock: the engine compares
    rule instances, so two threads' first calls must not each build their own set."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = _load_rules()
    return _loaded


def _load_rules() -> tuple[Rule, ...]:
    found: dict[str, Rule] = {}
    for family in pkgutil.iter_modules(__path__):
        if not family.ispkg:
            continue
        package = importlib.import_module(f"{__name__}.{family.name}")
        for module in pkgutil.iter_modules(package.__path__):
            mod = importlib.import_module(f"{package.__name__}.{module.name}")
            for value in vars(mod).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, Rule)
                    and value is not Rule
                    and value.__module__ == mod.__name__
                ):
                    rule_class: type[Rule] = value
                    if rule_class.code in found:
                        raise RuntimeError(f"duplicate rule code {rule_class.code} in {mod.__name__}")
                    found[rule_class.code] = rule_class()
    return tuple(found[c] for c in sorted(found))


def rule_by_code(code: str) -> Rule | None:
    code = code.upper()
    return next((r for r in all_rules() if r.code == code or r.name == code.lower()), None)
