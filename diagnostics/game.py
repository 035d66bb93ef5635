"""Which game a plugin is for: L4D2, L4D1, CS:GO, TF2 or generic, with confidence and reasons.

Public because the dataset pipeline reuses it to keep L4D2 and generic plugins.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from spcopilot.diagnostics.knowledge.events import builtin_l4d2, misnames
from spcopilot.diagnostics.semantics import FileModel

GAMES = ("l4d2", "l4d1", "csgo", "tf2", "generic")

# Events that exist in L4D2 but not in L4D1 (infected and items added by L4D2).
_L4D2_ONLY_EVENT = re.compile(
    r"^(charger_|jockey_|spitter_|spit_|gascan_|scavenge_|upgrade_|defibrillator_|adrenaline_|"
    r"vomit_bomb|molotov_thrown|melee_kill|gauntlet_|stashwhacker|chair_charged|strongman|"
    r"survival_at_10min|survival_round_start|begin_scavenge|versus_match_finished|"
    r"charger_killed|punched_clown|m60_streak)"
)


def is_l4d2_only_event(name: str) -> bool:
    """An event L4D2 added (new infected, items and modes): L4D1 does not fire it."""
    return _L4D2_ONLY_EVENT.search(name) is not None


# Events only L4D-family games fire (a small, unambiguous set).
_L4D_EVENT = re.compile(
    r"^(lunge_pounce|tongue_grab|tank_spawn|tank_killed|witch_killed|witch_spawn|witch_harasser_set|"
    r"player_incapacitated|revive_success|heal_success|pills_used|player_now_it|survivor_rescued|"
    r"finale_|map_transition|mission_lost|infected_death|infected_hurt|player_left_start_area|"
    r"player_left_checkpoint|door_open|create_panic_event|boomer_exploded|ability_use|"
    r"player_ledge_grab|player_first_spawn|zombie_ignited|rescue_door_open)"
)
_TF2_EVENT = re.compile(
    r"^(teamplay_|arena_|player_builtobject|object_destroyed|player_chargedeployed|ctf_|tf_|player_teleported|post_inventory_application|player_healed|mvm_|rocket_jump)"
)
_CSGO_EVENT = re.compile(
    r"^(bomb_|round_mvp|weapon_fire_on_empty|hostage_|cs_|buytime_ended|player_blind|flashbang_detonate|smokegrenade_|decoy_|item_purchase|round_freeze_end|bullet_impact)"
)

_INCLUDE_SIGNALS = [
    (re.compile(r"^(left4dhooks|left4downtown|l4d2_|l4d2util|l4d2_direct|l4d2d_|l4d2lib)"), "l4d2", 3.0),
    (re.compile(r"^(l4d_|l4d1_)"), "l4d1", 1.0),
    (re.compile(r"^(tf2|tf2_stocks|tf2items|tf2attributes|tf_econ_data|tf2utils)$"), "tf2", 3.0),
    (re.compile(r"^(cstrike|csgo_|cstrike_weapons|csgocolors|eitems|ptah)"), "csgo", 3.0),
]
# Plain substring signals (bytes `in` is far faster than regexes over every file).
_TEXT_SIGNALS: list[tuple[tuple[bytes, ...], str, float, str]] = [
    ((b"Engine_Left4Dead2",), "l4d2", 3.0, "checks Engine_Left4Dead2"),
    ((b"Engine_TF2",), "tf2", 3.0, "checks Engine_TF2"),
    ((b"Engine_CSGO",), "csgo", 3.0, "checks Engine_CSGO"),
    ((b'"left4dead2"',), "l4d2", 3.0, 'compares the game folder to "left4dead2"'),
    (
        (b'"m_zombieClass"', b'"m_isIncapacitated"', b'"m_isGhost"', b'"m_healthBuffer"'),
        "l4d",
        2.0,
        "uses L4D player netprops",
    ),
    (
        (
            b'"m_jockeyAttacker"',
            b'"m_jockeyVictim"',
            b'"m_carryAttacker"',
            b'"m_carryVictim"',
            b'"m_pummelAttacker"',
            b'"m_pummelVictim"',
        ),
        "l4d2",
        2.0,
        "uses L4D2 special-infected netprops",
    ),
    ((b"TFClass_", b"TF2_"), "tf2", 2.0, "uses TF2 natives"),
    ((b"CS_SwitchTeam", b"CS_RespawnPlayer", b"CS_TerminateRound", b"CS_TEAM_"), "csgo", 2.0, "uses cstrike natives"),
]
# Game-neutral plugins are `generic` whatever else they mention: SourceMod's own stock plugins
# (nextmap.sp compares the game folder to "left4dead2" only to refuse loading there), and plugins
# that check for several games (a list of engines or game folders: written for any game).
_STOCK_AUTHOR = (b'"AlliedModders LLC"',)
_GAME_FAMILIES: tuple[tuple[str, tuple[bytes, ...]], ...] = (
    ("L4D", (b"Engine_Left4Dead", b'"left4dead')),
    ("TF2", (b"Engine_TF2", b'"tf"')),
    ("CS:GO", (b"Engine_CSGO", b'"csgo"')),
    ("CS:S", (b"Engine_CSS", b'"cstrike"')),
    ("DoD:S", (b"Engine_DODS", b'"dod"')),
    ("HL2DM", (b"Engine_HL2DM", b'"hl2mp"')),
    ("Insurgency", (b"Engine_Insurgency", b"Engine_DOI", b'"insurgency"', b'"doi"')),
    ("Alien Swarm", (b"Engine_AlienSwarm", b'"swarm"', b'"reactivedrop"')),
    ("Garry's Mod", (b'"garrysmod"',)),
    ("other Source games", (b'"dystopia"', b'"synergy"', b"Engine_MCV", b"Engine_SDK2013", b"Engine_Portal2")),
)
NEUTRAL_MIN_GAMES = 3
_MENTIONS_L4D2 = re.compile(rb"left ?4 ?dead ?2|\bl4d2\b")
# The incremental engine keeps the text signals as counts it updates after each edit
# (diagnostics/text_counts.py): the needles above, and the places the lower-cased text mentions
# L4D2 - one zero-width match per place, depending on one byte before it and 14 from it.
MENTION = re.compile(rb"(?=left ?4 ?dead ?2|\bl4d2\b)")
MENTION_SPAN = (1, 14)

TextSignal = tuple[str, float, str]


def _text_signals(source: bytes) -> list[TextSignal]:
    lowered = source.lower()
    mentions = (b"l4d2" in lowered or b"dead" in lowered) and _MENTIONS_L4D2.search(lowered) is not None
    engine = (source.count(b"Engine_Left4Dead"), source.count(b"Engine_Left4Dead2"))
    return signals_from_counts(lambda needle: needle in source, engine, mentions)


def signals_from_counts(present: Callable[[bytes], bool], engine: tuple[int, int], mentions: bool) -> list[TextSignal]:
    """The text signals from which needles the file contains, how often it says
    Engine_Left4Dead and Engine_Left4Dead2, and whether it mentions L4D2."""
    found = [(game, weight, why) for needles, game, weight, why in _TEXT_SIGNALS if any(present(n) for n in needles)]
    if any(present(n) for n in _STOCK_AUTHOR):
        found.append(("generic", 0.0, "a SourceMod stock plugin (author AlliedModders LLC)"))
    games = [name for name, needles in _GAME_FAMILIES if any(present(n) for n in needles)]
    if len(games) >= NEUTRAL_MIN_GAMES:
        found.append(("generic", 0.0, f"game-neutral: checks for {len(games)} games ({', '.join(games)})"))
    if engine[0] > engine[1]:
        found.append(("l4d1", 1.5, "checks Engine_Left4Dead"))
    if mentions:
        found.append(("l4d2", 1.0, "mentions L4D2"))
    return found


@dataclass(frozen=True, slots=True)
class GameInfo:
    game: str
    confidence: float
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {"game": self.game, "confidence": round(self.confidence, 2), "reasons": list(self.reasons)}


def detect_game(model: FileModel, signals: list[TextSignal] | None = None) -> GameInfo:
    """The game of a plugin from its model; `signals` are its text signals when the caller
    already knows them (`_text_signals(model.source)` otherwise)."""
    scores: dict[str, float] = defaultdict(float)
    reasons: dict[str, list[str]] = defaultdict(list)

    def add(game: str, weight: float, why: str) -> None:
        if game == "l4d":  # shared by both L4D games; L4D2 is by far the common one
            scores["l4d2"] += weight
            scores["l4d1"] += weight * 0.8
            reasons["l4d2"].append(why)
            reasons["l4d1"].append(why)
            return
        scores[game] += weight
        reasons[game].append(why)

    for inc in model.includes:
        base = inc.name.rsplit("/", 1)[-1].removesuffix(".inc")
        for pattern, game, weight in _INCLUDE_SIGNALS:
            if pattern.search(base):
                add(game, weight, f"includes <{base}>")
                break
    catalogue = builtin_l4d2()
    for hook in model.hooks:
        ev = hook.event
        if not ev:
            continue
        if ev in misnames():
            add("l4d", 0.5, f"hooks {ev}, a misspelt L4D event")
        elif _L4D2_ONLY_EVENT.search(ev) and ev in catalogue:
            add("l4d2", 1.5, f"hooks the L4D2 event {ev}")
        elif _L4D_EVENT.search(ev):
            add("l4d", 1.0, f"hooks the L4D event {ev}")
        elif _TF2_EVENT.search(ev):
            add("tf2", 1.0, f"hooks the TF2 event {ev}")
        elif _CSGO_EVENT.search(ev):
            add("csgo", 1.0, f"hooks the CS event {ev}")
    signals = _text_signals(model.source) if signals is None else signals
    neutral = tuple(why for game, _weight, why in signals if game == "generic")
    if neutral:
        return GameInfo("generic", 1.0, neutral)
    for game, weight, why in signals:
        add(game, weight, why)

    if not scores:
        return GameInfo("generic", 1.0, ("no game-specific includes, events, netprops or engine checks",))
    best = max(scores, key=lambda g: scores[g])
    if best == "l4d1" and scores["l4d1"] <= scores.get("l4d2", 0):
        best = "l4d2"
    total = sum(scores.values())
    confidence = min(1.0, scores[best] / total) * min(1.0, scores[best] / 3.0)
    return GameInfo(best, round(confidence, 3), tuple(dict.fromkeys(reasons[best]))[:6])
