"""Requests written as a user would ask: what the plugin does for players and admins, read from
its myinfo, its commands (who may use them, what they do), its ConVars and the game events it
reacts to. Never a checklist of what the answer contains: no helper or native is named (a user
cannot know that the answer will call `L4D2Util_Tanks_Init`), only what a user knows when asking
(the plugin's commands, settings, events, and the libraries it builds on).

A file or function with too few facts gets no request (it still gives FIM holes). The wording
varies by a hash of the file path (deterministic, no random state).
"""

from __future__ import annotations

import hashlib
import re

from spcopilot.diagnostics.knowledge.apis import SOURCEMOD_INCLUDES
from spcopilot.training.facts import Command, FunctionFacts, PluginFacts

GAME_PHRASE = {"l4d2": "Left 4 Dead 2 ", "generic": ""}
MIN_FACTS = 2
MAX_DESCRIPTION = 90
# Admin flag constants as people say them.
_FLAG_WORDS = {
    "ADMFLAG_RESERVATION": "reserved-slot",
    "ADMFLAG_GENERIC": "generic admin",
    "ADMFLAG_KICK": "kick",
    "ADMFLAG_BAN": "ban",
    "ADMFLAG_UNBAN": "unban",
    "ADMFLAG_SLAY": "slay",
    "ADMFLAG_CHANGEMAP": "change-map",
    "ADMFLAG_CONVARS": "ConVar",
    "ADMFLAG_CONFIG": "config",
    "ADMFLAG_CHAT": "chat",
    "ADMFLAG_VOTE": "vote",
    "ADMFLAG_PASSWORD": "password",
    "ADMFLAG_RCON": "RCON",
    "ADMFLAG_CHEATS": "cheats",
    "ADMFLAG_ROOT": "root",
}


def pick(key: str, options: list[str] | tuple[str, ...]) -> str:
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return options[int.from_bytes(digest[:4], "big") % len(options)]


def listing(items: list[str], quote: bool = True, limit: int = 5) -> str:
    shown = [f"`{i}`" if quote else i for i in items[:limit]]
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def short(text: str, limit: int = MAX_DESCRIPTION) -> str:
    """A description on one line, cut at a word boundary, without a trailing full stop."""
    text = " ".join(text.split()).rstrip(". ")
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


# Verbs a plugin description starts with ("Announces when a Tank spawns"): the request then says
# "a plugin that announces ...". Anything else is quoted ('described as "..."').
_DESCRIPTION_VERBS = frozenset(
    """
    adds allows announces applies automatically blocks changes checks controls counts creates detects
    disables displays enables fixes forces gives handles heals hides increases keeps kicks lets limits
    logs makes manages modifies notifies plays prevents prints provides punishes records reduces
    removes replaces reports resets restores rewards saves sends sets shows spawns stops teleports
    tracks turns warns
    """.split()
)


def _purpose(description: str) -> str:
    """`that announces X` when the description starts with a verb (Announces, Tracks), else
    `described as "X"`."""
    text = short(description, 160)
    if not text:
        return ""
    first = text.split()[0]
    if first.lower() in _DESCRIPTION_VERBS and first[1:].islower():
        return f"that {first.lower()}{text[len(first) :]}"
    return f'described as "{text}"'


def flag_words(flag: str) -> str:
    first = re.split(r"[|\s]", flag.strip())[0]
    return _FLAG_WORDS.get(first, first)


def _command(c: Command) -> str:
    text = f"`{c.name}`"
    if c.name.startswith("sm_"):
        text += f" (`!{c.name[3:]}` in chat)"
    if c.description.strip():
        text += f": {short(c.description, 70)}"
    return text


def _commands_sentences(commands: list[Command]) -> list[str]:
    players = [c for c in commands if c.kind == "RegConsoleCmd"]
    admins = [c for c in commands if c.kind == "RegAdminCmd"]
    server = [c for c in commands if c.kind == "RegServerCmd"]
    out = []
    if players:
        out.append(f"Players can use {listing([_command(c) for c in players], quote=False, limit=3)}.")
    if admins:
        flags = {flag_words(c.flag) for c in admins[:3] if c.flag}
        who = f"Admins with the {flags.pop()} flag" if len(flags) == 1 else "Admins"
        out.append(f"{who} get {listing([_command(c) for c in admins], quote=False, limit=3)}.")
    if server:
        out.append(f"The server console gets {listing([_command(c) for c in server], quote=False, limit=2)}.")
    return out


def _convars_sentence(convars: list[tuple[str, str]]) -> str:
    parts = []
    for name, description in convars[:4]:
        parts.append(f"`{name}` ({short(description, 60)})" if description.strip() else f"`{name}`")
    noun = "ConVar" if len(parts) == 1 else "ConVars"
    more = f" (and {len(convars) - 4} more)" if len(convars) > 4 else ""
    return f"Server operators configure it with the {listing(parts, quote=False, limit=4)} {noun}{more}."


def libraries(facts: PluginFacts) -> list[str]:
    """The includes a plugin builds on beyond SourceMod's own (a user knows what they depend on)."""
    out = []
    for include in facts.includes:
        base = include.rsplit("/", 1)[-1].removesuffix(".inc")
        if base and base not in SOURCEMOD_INCLUDES and not include.endswith(".sp") and base not in out:
            out.append(base)
    return out


def plugin_instruction(facts: PluginFacts, game: str, key: str) -> str | None:
    """The user's request for this whole plugin, or None when the facts are too thin."""
    sentences: list[str] = []
    count = 0
    purpose = _purpose(facts.description)
    opening = pick(key, ("Write a {g}SourceMod plugin", "Create a {g}SourceMod plugin", "I need a {g}SourceMod plugin"))
    head = opening.format(g=GAME_PHRASE.get(game, ""))
    if facts.name:
        head += f' called "{short(facts.name, 60)}"'
    if purpose:
        head += f" {purpose}"
        count += 2 if len(facts.description.split()) >= 4 else 1  # a real description says enough
    sentences.append(head + ".")
    commands = _commands_sentences(facts.commands)
    sentences += commands
    count += bool(commands)
    if facts.convars:
        sentences.append(_convars_sentence(facts.convars))
        count += 1
    if facts.events:
        noun = "event" if len(facts.events) == 1 else "events"
        more = f" (among {len(facts.events)})" if len(facts.events) > 5 else ""
        sentences.append(f"It reacts to the {listing(facts.events)} game {noun}{more}.")
        count += 1
    if facts.sdkhooks:
        sentences.append(f"It uses SDK hooks ({listing(facts.sdkhooks, limit=3)}).")
        count += 1
    if count < MIN_FACTS:
        return None
    used = libraries(facts)
    if used:
        sentences.append(f"It can use {listing(used, limit=4)}.")
    return " ".join(sentences)


def function_instruction(fn: FunctionFacts, game: str, key: str, plugin: str = "") -> str | None:
    """A request for one function: an event handler, a command handler or a timer callback."""
    where = f"my {GAME_PHRASE.get(game, '')}SourceMod plugin" + (f' "{short(plugin, 60)}"' if plugin else "")
    if fn.events:
        noun = "event" if len(fn.events) == 1 else "events"
        text = f"In {where}, write `{fn.name}`, the handler of the {listing(fn.events)} {noun}."
        if fn.fields:
            text += f" It reads the {listing(fn.fields, limit=4)} field{'s' if len(fn.fields) > 1 else ''}."
        return text
    if fn.command:
        text = f"In {where}, write `{fn.name}`, the callback of the `{fn.command}` command"
        if fn.command_description:
            text += f" ({short(fn.command_description, 70)})"
        if fn.command_flag:
            text += f", for admins with the {flag_words(fn.command_flag)} flag"
        return text + "."
    if fn.timer and plugin:
        return f"In {where}, write the timer callback `{fn.name}`."
    return None
