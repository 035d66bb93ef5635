"""`spcopilot info`: which backend and model a command would use, with what settings (the key
only as "(set)"), what the loaded backend reports (FIM family, threads, context), its price,
what the engine knows (events, misnamed events, nonexistent APIs, netprops, rules), and which
SourcePawn compiler was found (path and version banner), or why none.

Exit 0; 2 when the configured backend cannot be loaded (the reason is in the output)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import Any

from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.errors import SpcopilotError
from spcopilot.server.ai.cli import flags
from spcopilot.server.ai.cost import LOCAL_BACKENDS, price_of
from spcopilot.server.ai.service import Copilot


def knowledge_stats(config: Config) -> dict[str, object]:
    from spcopilot.diagnostics.knowledge.apis import deprecated_natives, nonexistent_functions
    from spcopilot.diagnostics.knowledge.events import builtin_l4d2, misnames
    from spcopilot.diagnostics.knowledge.netprops import l4d2_netprops
    from spcopilot.diagnostics.rules import all_rules

    stats: dict[str, object] = {
        "events": len(builtin_l4d2()),
        "misnamed_events": len(misnames()),
        "nonexistent_apis": len(nonexistent_functions()),
        "deprecated_natives": len(deprecated_natives()),
        "netprops": len(l4d2_netprops()),
        "rules": len(all_rules()),
    }
    if config.game_dir is not None:
        from spcopilot.diagnostics.knowledge.gamefiles import load_event_catalogue

        try:
            stats["game_dir_events"] = len(load_event_catalogue(config.game_dir))
        except (SpcopilotError, OSError) as exc:
            stats["game_dir_events"] = f"cannot read {config.game_dir}: {exc}"
    return stats


def compiler_info(config: Config) -> dict[str, object]:
    """Which SourcePawn compiler `check --compile`, the editor and the guard would use."""
    from spcopilot.diagnostics.compiler import CompileCheck

    search = CompileCheck(config).search
    if search.compiler is not None:
        return {"found": True, **search.compiler.to_json()}
    return {"found": False, "reason": search.describe(), "configured": search.configured}


def price_info(model: str, backend: str, prices: Mapping[str, Mapping[str, float]]) -> dict[str, object] | None:
    """What a request would cost; None with no backend (there is nothing to price)."""
    if backend == "none":
        return None
    price = price_of(model, backend, prices)
    return {
        "local": backend in LOCAL_BACKENDS,
        "known": price.known,
        "input_per_million": price.input,
        "output_per_million": price.output,
        "batch_api": "half price",
    }


def collect_info(args: argparse.Namespace) -> tuple[dict[str, Any], bool]:
    """Everything `info` shows, and whether the backend loaded."""
    resolved = flags.resolve(args)
    settings = resolved.settings
    copilot = Copilot(settings, resolved.config)
    loaded: dict[str, object]
    ok = True
    try:
        loaded = dict(copilot.backend.info())
    except SpcopilotError as exc:
        loaded, ok = {"error": str(exc)}, settings.backend == "none"
    finally:
        copilot.close()
    info: dict[str, Any] = {
        "backend": settings.backend,
        "model": settings.model or str(loaded.get("model") or ""),
        "loaded": loaded,
        "price": price_info(settings.model, settings.backend, settings.prices),
        "settings": settings.to_json(),
        "sources": {
            "config_file": str(resolved.file) if resolved.file else None,
            "environment": flags.env_in_use(),
        },
        "knowledge": knowledge_stats(resolved.config),
        "compiler": compiler_info(resolved.config),
    }
    if copilot.ledger.requests:
        info["session"] = copilot.ledger.to_json()
    return info, ok


def run_info(args: argparse.Namespace) -> int:
    info, ok = collect_info(args)
    if args.json:
        print(json.dumps(info, indent=2, default=str))
        return 0 if ok else 2
    print(f"backend:   {info['backend']}")
    print(f"model:     {info['model'] or '(none)'}")
    details = {k: v for k, v in info["loaded"].items() if k not in ("backend", "model")}
    if "error" in details:
        print(f"loaded:    no: {details['error']}")
        print(f"spcopilot: error: {details['error']}", file=sys.stderr)
    elif info["backend"] == "none":
        print("loaded:    nothing (no AI backend: generate, chat and batch need one; see --backend)")
    else:
        print("loaded:    " + (", ".join(f"{k}={v}" for k, v in details.items()) or "ok"))
    price = info["price"]
    if price is None:
        print("price:     none: no AI backend, nothing is sent anywhere")
    elif price["local"]:
        print("price:     local, costs nothing")
    elif price["known"]:
        print(
            f"price:     ${price['input_per_million']:g} in / ${price['output_per_million']:g} out per million "
            "tokens; Batch API half"
        )
    else:
        print("price:     unknown for this model (setting `prices`)")
    sources = info["sources"]
    print("settings:  flags > environment > " + (sources["config_file"] or "(no .spcopilot.toml)") + " > defaults")
    for key, value in info["settings"].items():
        print(f"  {key} = {json.dumps(value, default=str)}")
    print("environment: " + (", ".join(sources["environment"]) or "(none)") + " (values not shown)")
    print("knowledge: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in info["knowledge"].items()))
    compiler = info["compiler"]
    if compiler["found"]:
        print(f"compiler:  {compiler['path']} ({compiler['banner']})")
    else:
        print(f"compiler:  none: {compiler['reason']}")
    return 0 if ok else 2
