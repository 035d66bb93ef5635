"""Game events: names, fields with types, and the misnamed events people (and models) write.

The built-in catalogue is L4D2's (our table in data/l4d2_events.tsv); with a game directory the
catalogue is read from the user's own game files instead (see `gamefiles.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from spcopilot.diagnostics.knowledge.tables import rows

# Event field types (from the .res files) and the accessor that reads each.
ACCESSOR_FOR_TYPE = {
    "short": "GetInt",
    "long": "GetInt",
    "byte": "GetInt",
    "uint64": "GetString",  # 64-bit values do not fit a cell; SourceMod reads them as strings
    "bool": "GetBool",
    "float": "GetFloat",
    "string": "GetString",
    "local": "GetInt",
}


# What reads each field type without conversion: GetInt for all integer widths, and so on.
VALUE_CLASS_OF_TYPE = {
    "short": "int",
    "long": "int",
    "byte": "int",
    "local": "int",
    "bool": "bool",
    "float": "float",
    "string": "string",
    "uint64": "uint64",
}


@dataclass(frozen=True, slots=True)
class EventField:
    name: str
    type: str
    kind: str = ""  # "userid" (convert with GetClientOfUserId), "entity" (an entity index) or ""
    comment: str = ""

    @property
    def accessor(self) -> str:
        return ACCESSOR_FOR_TYPE.get(self.type, "GetInt")


@dataclass(frozen=True, slots=True)
class EventInfo:
    name: str
    fields: Mapping[str, EventField] = field(default_factory=dict)
    source: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Misname:
    wrong: str
    replacements: tuple[str, ...]
    note: str = ""

    @property
    def fix(self) -> str | None:
        """The one replacement a quick fix may write; None when it takes judgement."""
        return self.replacements[0] if len(self.replacements) == 1 and not self.note else None


class EventCatalogue:
    """The events of one game version."""

    def __init__(self, events: Iterable[EventInfo], game: str = "l4d2", origin: str = "built-in") -> None:
        self.events = {e.name: e for e in events}
        self.game = game
        self.origin = origin

    def __contains__(self, name: object) -> bool:
        return name in self.events

    def __len__(self) -> int:
        return len(self.events)

    def get(self, name: str) -> EventInfo | None:
        return self.events.get(name)

    def names(self) -> list[str]:
        return sorted(self.events)


# Short fields with these names hold a userid (GetClientOfUserId); long ones an entity index.
_USERID_FIELD_NAMES = frozenset(
    {
        "userid", "attacker", "victim", "subject", "rescuer", "player", "target", "bot", "causer",
        "smoker", "guilty", "blocker", "deadplayer", "recipient", "target1", "target2",
    }
)  # fmt: skip
_ENTITY_FIELD_NAMES = frozenset({"entityid", "attackerentid", "witchid", "subject", "victim"})


def field_kind(name: str, type: str, comment: str = "") -> str:
    """What an event field's number is: "userid", "entity" (an entity index) or "".

    The one classification for our bundled table and for events read from the game's files:
    a short named like a player (or whose comment says user id) is a userid, unless its comment
    speaks of an entity and not of a user; a long named like an entity, or whose comment says
    entindex / entity id / entity index, is an entity; so is a byte whose comment says entindex.
    """
    said = comment.lower()
    if type == "short" and (name in _USERID_FIELD_NAMES or "user id" in said or "userid" in said):
        if ("entindex" in said or "entity" in said) and "user" not in said:
            return "entity"
        return "userid"
    says_entity = "entindex" in said or "entity id" in said or "entity index" in said
    if type == "long" and (name in _ENTITY_FIELD_NAMES or says_entity):
        return "entity"
    if type == "byte" and "entindex" in said:
        return "entity"
    return ""


@cache
def builtin_l4d2() -> EventCatalogue:
    events: dict[str, tuple[str, str, dict[str, EventField]]] = {}
    # An event's own line holds its source file in the fourth column; a field's line holds its
    # kind there, which records field_kind's answer (a test keeps the two in step).
    for event, fname, ftype, source_or_kind, note in rows("l4d2_events.tsv"):
        if not fname:
            events[event] = (source_or_kind, note, {})
        else:
            events[event][2][fname] = EventField(fname, ftype, field_kind(fname, ftype, note), note)
    return EventCatalogue(
        (EventInfo(name, fields, source, note) for name, (source, note, fields) in events.items()),
        game="l4d2",
    )


@cache
def misnames() -> dict[str, Misname]:
    return {
        wrong: Misname(wrong, tuple(r for r in repl.split(",") if r), note)
        for wrong, repl, note in rows("l4d2_event_misnames.tsv")
    }


# Calls whose first argument names an event.
EVENT_NAME_FUNCTIONS = frozenset({"HookEvent", "HookEventEx", "UnhookEvent", "CreateEvent"})
# Old-style (function) and methodmap (Event.X) field readers: name -> value type they return.
EVENT_GETTERS = {
    "GetEventInt": "int",
    "GetEventBool": "bool",
    "GetEventFloat": "float",
    "GetEventString": "string",
    "GetInt": "int",
    "GetBool": "bool",
    "GetFloat": "float",
    "GetString": "string",
    "GetUInt64": "uint64",
}
EVENT_SETTERS = {
    "SetEventInt",
    "SetEventBool",
    "SetEventFloat",
    "SetEventString",
    "SetInt",
    "SetBool",
    "SetFloat",
    "SetString",
}
