"""Real native faults, injected into a server process without touching the product: a
sitecustomize on the process's PYTHONPATH wraps the parser so that a marker in the text blocks
in libc's pause() through ctypes.PyDLL (native code that keeps the interpreter lock, as a stuck
tree-sitter scanner does) or reads address 0 (SIGSEGV). A third marker is a slow analysis, not a
fault: `/*slow-until:PATH*/` parses only once PATH exists (sleeping meanwhile, as a long
analysis of another document keeps its thread). Child processes the server spawns
inherit the environment, and so the faults."""

from __future__ import annotations

import os
from pathlib import Path

HANG = "/*native-hang*/"
CRASH = "/*native-crash*/"
SLOW = "/*slow-until:"  # then a path, then */

SITECUSTOMIZE = f"""
import ctypes
import os
import re
import time
import spcopilot.diagnostics.parsing as parsing

_parse = parsing.parse


def parse(source, old_tree=None, **options):  # options: the engine's budget
    if {HANG.encode()!r} in source:
        ctypes.PyDLL(None).pause()  # blocks in native code holding the GIL, like a stuck scanner
    if {CRASH.encode()!r} in source:
        ctypes.string_at(0)  # SIGSEGV
    slow = re.search(rb"/\\*slow-until:(.*?)\\*/", source)
    for _ in range(1200 if slow else 0):  # (a minute at most)
        if os.path.exists(slow.group(1).decode()):
            break
        time.sleep(0.05)
    return _parse(source, old_tree, **options)


parsing.parse = parse
"""


def fault_env(folder: Path) -> dict[str, str]:
    """Environment entries that load the faults into a Python process started with them."""
    site = folder / "native-faults"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    return {"PYTHONPATH": os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)}
