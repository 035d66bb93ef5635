"""Instructions written from what the code really does: concrete prompts (the plugin's name and
purpose, the events it hooks, its commands and ConVars, the API it calls), never "write a
plugin". A file or function with too few facts gets no instruction (it still gives FIM holes).

The wording varies by a hash of the file path (deterministic, no random state).
"""

from __future__ import annotations

import hashlib

from spcopilot.training.facts import UBIQUITOUS, FunctionFacts, PluginFacts

GAME_PHRASE = {"l4d2": "Left 4 Dead 2 ", "generic": ""}
MIN_FACTS = 2


def pick(key: str, options: list[str] | tuple[str, ...]) -> str:
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return options[int.from_bytes(digest[:4], "big") % len(options)]


def listing(items: list[str], quote: bool = True, limit: int = 5) -> str:
    shown = [f"`{i}`" if quote else i for i in items[:limit]]
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


_NOT_VERBS = frozenset("stats tools utils utilities commands events players bots fixes items weapons plugins".split())


def _purpose(description: str) -> str:
    """`that announces X` when the description starts with a verb (Announces, Tracks), else
    `described as "X"`."""
    text = description.strip().rstrip(".")
    if not text:
        return ""
    first = text.split()[0]
    lowered = first.lower()
    verb_like = lowered.endswith("s") and not lowered.endswith("ss") and len(lowered) > 3
    if verb_like and lowered not in _NOT_VERBS and first[1:].islower():
        return f"that {lowered}{text[len(first) :]}"
    return f'described as "{text}"'


def plugin_instruction(facts: PluginFacts, game: str, key: str) -> str | None:
    """The user's request for this whole plugin, or None when the facts are too thin."""
    sentences: list[str] = []
    count = 0
    purpose = _purpose(facts.description)
    game_phrase = GAME_PHRASE.get(game, "")
    opening = pick(key, ("Write a {g}SourceMod plugin", "Create a {g}SourceMod plugin", "I need a {g}SourceMod plugin"))
    head = opening.format(g=game_phrase)
    if facts.name:
        head += f' called "{facts.name}"'
    if purpose:
        head += f" {purpose}"
        count += 1
    sentences.append(head + ".")
    if facts.events:
        noun = "event" if len(facts.events) == 1 else "events"
        sentences.append(f"It hooks the {listing(facts.events)} {noun}.")
        count += 1
    if facts.commands:
        parts = []
        for c in facts.commands[:3]:
            part = f"`{c.name}`"
            if c.flag:
                part += f" (admin flag {c.flag})"
            elif c.kind == "RegServerCmd":
                part += " (server console)"
            parts.append(part)
        noun = "command" if len(parts) == 1 else "commands"
        sentences.append(f"Register the {listing(parts, quote=False)} {noun}.")
        count += 1
    if facts.convars:
        noun = "ConVar" if len(facts.convars) == 1 else "ConVars"
        sentences.append(f"Make it configurable with the {listing([c[0] for c in facts.convars])} {noun}.")
        count += 1
    if facts.sdkhooks:
        sentences.append(f"Use SDKHooks ({listing(facts.sdkhooks, quote=False, limit=3)}).")
        count += 1
    notable = facts.notable_calls
    if len(notable) >= 2:
        sentences.append(f"Use {listing(notable, limit=4)}.")
        count += 1
    if facts.netprops:
        sentences.append(f"It reads or writes the {listing(facts.netprops, limit=3)} netprops.")
        count += 1
    if count < MIN_FACTS:
        return None
    return " ".join(sentences)


def function_instruction(fn: FunctionFacts, game: str, key: str) -> str | None:
    """A request for one function: an event handler, a command handler or a timer callback."""
    game_phrase = GAME_PHRASE.get(game, "")
    calls = [c for c in fn.calls if c not in UBIQUITOUS]
    if fn.events:
        noun = "event" if len(fn.events) == 1 else "events"
        text = (
            f"In a {game_phrase}SourceMod plugin, write `{fn.name}`, the handler for the {listing(fn.events)} {noun}."
        )
        if fn.fields:
            text += f" It reads the {listing(fn.fields, limit=4)} field{'s' if len(fn.fields) > 1 else ''}."
    elif fn.command:
        text = f"In a {game_phrase}SourceMod plugin, write `{fn.name}`, the callback of the `{fn.command}` command."
    elif fn.timer:
        text = f"In a {game_phrase}SourceMod plugin, write the timer callback `{fn.name}`."
    else:
        return None
    if calls:
        text += f" {pick(key, ('Use', 'It calls', 'It should use'))} {listing(calls, limit=4)}."
    elif not fn.fields:
        return None
    return text
