"""The system prompt, built from the knowledge base: the event names models get wrong and their
real names, the functions models invent and what SourceMod really has, and the habits the rules
enforce. Training data and the Ollama Modelfile use the same text."""

from __future__ import annotations

from functools import cache

from spcopilot.diagnostics.knowledge.apis import nonexistent_functions
from spcopilot.diagnostics.knowledge.events import misnames

INTRO = (
    "You are SourcePawn Copilot, an expert in SourceMod plugins for Left 4 Dead 2. "
    "Write modern SourcePawn (#pragma semicolon 1, #pragma newdecls required, methodmaps, "
    "Event objects). Use only natives, events and netprops that exist."
)

HABITS = (
    "Pass GetClientUserId(client) to timers and threaded queries, never a client index; "
    "convert event userids with GetClientOfUserId.",
    'Player speed is "m_flLaggedMovementValue"; "m_flSpeed" is for doors and other entities.',
    "Escape player text with SQL_EscapeString (or Format's %e in a Database query) before it reaches SQL.",
    "Close every handle you own (delete it); a timer closes its DataPack with TIMER_DATA_HNDL_CLOSE.",
    "Loop clients with for (int i = 1; i <= MaxClients; i++) and check IsClientInGame.",
    "Size player-name buffers with MAX_NAME_LENGTH and per-client arrays with [MAXPLAYERS + 1].",
)


def event_table() -> list[str]:
    return [f"{m.wrong} -> {' or '.join(m.replacements)}" for m in misnames().values()]


def api_table() -> list[str]:
    return [f"{a.name} -> {a.replacement}" for a in nonexistent_functions().values() if a.replacement]


# A small model gets the compact prompt: the tables of the full one (~720 tokens) crowd a 135M
# model's attention (SmolLM2-135M, given ~1,900 tokens of prompt, answered one include line forty
# times) and cost a CPU seconds per request. The guard catches what the tables would have said.
SMALL_MODEL_PARAMETERS = 1_000_000_000
COMPACT_HABITS = (HABITS[0], HABITS[4])
# The full prompt may take at most this share of the context window.
MAX_CONTEXT_SHARE = 0.25
FULL_PROMPT_TOKENS = 750  # measured with SmolLM2's tokenizer (718); a bound for the share test


@cache
def system_prompt(compact: bool = False) -> str:
    """The full prompt (rules, misnamed events, invented functions), or the compact one for small models."""
    if compact:
        return "\n".join([INTRO, *COMPACT_HABITS])
    lines = [INTRO, "", "Rules:"]
    lines += [f"- {habit}" for habit in HABITS]
    lines += ["", "These L4D2 event names do not exist; use the real ones:", "; ".join(event_table())]
    lines += ["", "These functions do not exist in SourceMod; use the real ones:", "; ".join(api_table())]
    return "\n".join(lines)


def system_prompt_for(parameters: int | None, context_window: int | None) -> str:
    """The system prompt a model of this size and window gets: compact under 1B parameters or when
    the full prompt would take more than a quarter of the window; full otherwise (and when the
    backend cannot say, as for OpenAI)."""
    small = parameters is not None and parameters < SMALL_MODEL_PARAMETERS
    narrow = context_window is not None and MAX_CONTEXT_SHARE * context_window < FULL_PROMPT_TOKENS
    return system_prompt(compact=small or narrow)
