"""The chat prompts of the generation commands, and reading code out of an answer.

Each task is a function returning messages; training renders its SFT examples with the same
functions (`plugin_messages` for instruction data), so the fine-tune sees the serving format.
`system` is the system prompt sized to the model (`Copilot.system_prompt()`); the full one by default.
"""

from __future__ import annotations

import re

from spcopilot.server.ai.backends.base import Message
from spcopilot.server.ai.prompts.system import system_prompt

FENCE = "```"
LANG = "sourcepawn"


def fenced(code: str) -> str:
    return f"{FENCE}{LANG}\n{code.rstrip()}\n{FENCE}"


def plugin_messages(instruction: str, notes: str = "", system: str | None = None) -> list[Message]:
    """Generate a whole plugin file."""
    user = instruction.strip()
    if notes:
        user += "\n\n" + notes.strip()
    user += "\n\nAnswer with the complete plugin file in one sourcepawn code block."
    return [Message("system", system or system_prompt()), Message("user", user)]


def at_cursor_messages(
    instruction: str, before: str, after: str, notes: str = "", system: str | None = None
) -> list[Message]:
    """Generate code at the cursor from an instruction (or the comment above the cursor)."""
    user = f"{notes.strip()}\n\n" if notes else ""
    user += f"Code before the cursor:\n{fenced(before)}\n\nCode after the cursor:\n{fenced(after)}\n\n"
    user += f"Write the code to insert at the cursor: {instruction.strip()}\n"
    user += "Answer with only the inserted code in one sourcepawn code block."
    return [Message("system", system or system_prompt()), Message("user", user)]


def fix_messages(code: str, finding: str, system: str | None = None) -> list[Message]:
    """Fix one diagnostic in a piece of code (the enclosing function)."""
    user = f"{fenced(code)}\n\nThis code has a problem: {finding}\n"
    user += "Answer with the corrected code in one sourcepawn code block, changing nothing else."
    return [Message("system", system or system_prompt()), Message("user", user)]


def repair_messages(code: str, findings: str, system: str | None = None) -> list[Message]:
    """The guard's repair round: the whole code and what the engine still reports."""
    user = f"{fenced(code)}\n\nThe SourcePawn checker reports:\n{findings}\n"
    user += "Answer with the complete corrected code in one sourcepawn code block."
    return [Message("system", system or system_prompt()), Message("user", user)]


def explain_messages(code: str, notes: str = "", system: str | None = None) -> list[Message]:
    user = f"{notes.strip()}\n\n" if notes else ""
    user += f"Explain what this SourcePawn code does, briefly, in markdown:\n{fenced(code)}"
    return [Message("system", system or system_prompt()), Message("user", user)]


_BLOCK = re.compile(r"```[ \t]*([\w+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.S)


def extract_code(answer: str) -> str:
    """The code of an answer: the longest fenced block (preferring sourcepawn/sp/c blocks), or the
    whole answer when it has no fence."""
    blocks = [(lang.lower(), body) for lang, body in _BLOCK.findall(answer)]
    if not blocks:
        return answer.strip("\n") + "\n" if answer.strip() else ""
    preferred = [b for lang, b in blocks if lang in ("sourcepawn", "sp", "c", "cpp", "")] or [b for _, b in blocks]
    return max(preferred, key=len).rstrip() + "\n"
