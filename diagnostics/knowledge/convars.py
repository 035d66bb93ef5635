"""L4D2's own ConVars (data/l4d2_convars.tsv, made by bench/convar_knowledge.py from what real
plugins read with FindConVar and no plugin creates; see that script for the cross-checks).

`GAME`: cross-checked names, used to say a ConVar exists, to find near misses and clashes;
`SEEN`: names plugins read and none creates, not confirmed: only ever a reason to stay quiet."""

from __future__ import annotations

from functools import cache

from spcopilot.diagnostics.knowledge.tables import rows

# What plugins prefix their own ConVars with: never taken for the game's.
PLUGIN_PREFIXES = ("l4d_", "l4d2_", "sm_", "l4d1_")


@cache
def _tiers() -> tuple[frozenset[str], frozenset[str]]:
    game: set[str] = set()
    seen: set[str] = set()
    for row in rows("l4d2_convars.tsv"):
        (game if row[1] == "game" else seen).add(row[0])
    return frozenset(game), frozenset(seen)


def game_convars() -> frozenset[str]:
    return _tiers()[0]


def is_known(name: str) -> bool:
    """The game's (confirmed or only seen): FindConVar of it is not worth a word."""
    lower = name.lower()
    return lower in _tiers()[0] or lower in _tiers()[1]


def game_prefixes() -> frozenset[str]:
    """The first word of the game's ConVar names (`z`, `sv`, `director`, ...)."""
    return frozenset(n.split("_", 1)[0] for n in game_convars() if "_" in n)


def near_miss(name: str) -> str | None:
    """The game ConVar `name` is a typo of (at most two edits, the same first word), or None."""
    lower = name.lower()
    if len(lower) < 6 or lower in game_convars():
        return None
    best: tuple[int, str] | None = None
    for known in game_convars():
        if known.split("_", 1)[0] != lower.split("_", 1)[0] or abs(len(known) - len(lower)) > 2:
            continue
        distance = _edits(lower, known, 2)
        if distance <= 2 and (best is None or (distance, known) < best):
            best = (distance, known)
    return best[1] if best else None


def _edits(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or limit + 1 once it is past `limit`."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]
