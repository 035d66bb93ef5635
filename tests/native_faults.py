"""Real native faults, injected into a server process without touching the product: a
sitecustomize on the process's PYTHONPATH wraps the parser so that a marker in the text blocks
in libc's pause() through ctypes.PyDLL (native code that keeps the interpreter lock, as a stuck
tree-sitter scanner does) or reads address 0 (SIGSEGV). Child processes the server spawns
inherit the environment, and so the faults."""

from __future__ import annotations

import os
from pathlib import Path

HANG = "/*native-hang*/"
CRASH = "/*native-crash*/"

SITECUSTOMIZE = f"""
import ctypes
import spcopilot.diagnostics.parsing as parsing

_parse = parsing.parse


def parse(source, old_tree=None, **options):  # options: the engine's budget
    if {HANG.encode()!r} in source:
        ctypes.PyDLL(None).pause()  # blocks in native code holding the GIL, like a stuck scanner
    if {CRASH.encode()!r} in source:
        ctypes.string_at(0)  # SIGSEGV
    return _parse(source, old_tree, **options)


parsing.parse = parse
"""


def fault_env(folder: Path) -> dict[str, str]:
    """Environment entries that load the faults into a Python process started with them."""
    site = folder / "native-faults"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    return {"PYTHONPATH": os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)}
