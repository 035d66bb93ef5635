"""What the ConVar rules (SPC108-SPC110) share: the file's FindConVar / CreateConVar /
AutoExecConfig calls with literal names (collected from the engine's one query pass), and the same facts about the other plugins of its
folder (read with a byte search, cached by each file's modification time), for clashes
between plugins that are installed together."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic
from tree_sitter import Node

_CREATE = re.compile(rb'\bCreateConVar\s*\(\s*"([^"%]+)"')
_AUTOEXEC = re.compile(rb'\bAutoExecConfig\s*\(\s*(?:true|false|[01])\s*,\s*"([^"]+)"(?:\s*,\s*"([^"]*)")?')
RESCAN_S = 5.0  # how long a folder's listing is trusted before its files are stat'ed again


@dataclass(frozen=True, slots=True)
class NamedCall:
    function: str
    name: str  # the ConVar name, or for AutoExecConfig the config file (folder/name.cfg)
    node: Node  # the name argument
    call: Node


CONVAR_FUNCTIONS = frozenset({"FindConVar", "CreateConVar", "AutoExecConfig"})


def named_call(call: Node, function: str, ctx: Context) -> NamedCall | None:
    """A FindConVar/CreateConVar/AutoExecConfig call (delivered to the rules through the engine's
    shared call pattern: `calls = CONVAR_FUNCTIONS`) with its literal name, or None."""
    args = ctx.args(call)
    if function == "AutoExecConfig":
        name = ctx.string_value(args[1]) if len(args) > 1 else None
        folder = ctx.string_value(args[2]) if len(args) > 2 else "sourcemod"
        if name is None or folder is None:
            return None
        return NamedCall(function, config_file(name, folder), args[1], call)
    name = ctx.string_value(args[0]) if args else None
    return NamedCall(function, name, args[0], call) if name else None


class CollectsConVarCalls:
    """The ConVar rules' `check_call` (put before Rule among the bases): each named call is kept
    for the rule's `finish`, which sees the whole file's calls."""

    calls = CONVAR_FUNCTIONS
    code: str

    def check_call(self, call: Node, callee: str, ctx: Context) -> Iterator[Diagnostic]:
        found = named_call(call, callee, ctx)
        if found is not None:
            collected(ctx, self.code).append(found)
        return iter(())


def collected(ctx: Context, code: str) -> list[NamedCall]:
    """The calls a rule's `check_call` collected in this lint, for its `finish` (kept on the
    lint's context, never on the rule: lints of several documents run at once)."""
    return ctx.memo(("convar-calls", code), list)


def config_file(name: str, folder: str = "sourcemod") -> str:
    """Where AutoExecConfig writes: cfg/<folder>/<name>.cfg."""
    folder = folder or "sourcemod"
    return f"cfg/{folder}/{name}.cfg".lower()


@dataclass(slots=True)
class _Facts:
    mtime: int
    created: set[str] = field(default_factory=set)
    configs: set[str] = field(default_factory=set)


_folders: dict[str, tuple[float, dict[str, _Facts]]] = {}


def sibling_plugins(path: str) -> dict[str, _Facts]:
    """The other .sp files in the plugin's folder: the ConVars they create and the config files
    AutoExecConfig writes for them."""
    if not path.endswith(".sp"):
        return {}
    folder = os.path.dirname(os.path.abspath(path))
    now = time.monotonic()
    cached = _folders.get(folder)
    if cached is not None and now - cached[0] < RESCAN_S:
        return {k: v for k, v in cached[1].items() if k != os.path.abspath(path)}
    old = cached[1] if cached is not None else {}
    facts: dict[str, _Facts] = {}
    try:
        entries = [e for e in os.scandir(folder) if e.name.endswith(".sp") and e.is_file()]
    except OSError:
        entries = []
    for entry in entries:
        try:
            mtime = entry.stat().st_mtime_ns
        except OSError:
            continue
        known = old.get(entry.path)
        if known is not None and known.mtime == mtime:
            facts[entry.path] = known
            continue
        try:
            data = Path(entry.path).read_bytes()
        except OSError:
            continue
        fact = _Facts(mtime)
        fact.created = {m.group(1).decode("utf-8", "replace").lower() for m in _CREATE.finditer(data)}
        fact.configs = {
            config_file(m.group(1).decode("utf-8", "replace"), (m.group(2) or b"sourcemod").decode("utf-8", "replace"))
            for m in _AUTOEXEC.finditer(data)
        }
        facts[entry.path] = fact
    _folders[folder] = (now, facts)
    return {k: v for k, v in facts.items() if k != os.path.abspath(path)}
