"""What a timer's flags argument says: does it repeat, does it close its data handle, and can we
tell at all (flags from a variable or a macro may hold anything)."""

from __future__ import annotations

import re

from spcopilot.diagnostics.rules.timers import function_body as fb
from spcopilot.diagnostics.semantics import Registration
from tree_sitter import Node

CLOSE_FLAG = "TIMER_DATA_HNDL_CLOSE"
_WORD = re.compile(r"[A-Za-z_]\w*")


def unknown_flags(flags: Node | None, source: bytes) -> bool:
    """Flags that may hold any TIMER_* bit without naming it: a variable (`g_iFlags`) or a macro
    (`MY_TIMER_FLAGS`). A condition inside a ternary (`repeat ? TIMER_REPEAT : 0`) is fine."""
    if flags is None:
        return False
    text = fb.text(flags, source)
    if flags.type == "identifier":
        return not text.startswith("TIMER_") and text != "_"
    return any(w.isupper() and not w.startswith("TIMER_") for w in _WORD.findall(text))


def closes_its_data(registration: Registration, source: bytes) -> bool:
    """Does this timer close its data handle when it ends (CreateDataTimer, or the flag)?"""
    if registration.function == "CreateDataTimer":
        return True
    args = registration.args
    return registration.function == "CreateTimer" and len(args) > 3 and CLOSE_FLAG in fb.text(args[3], source)
