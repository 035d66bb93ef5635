"""API facts: functions SourceMod does not have (with the real ones), and SourceMod's own
deprecations (`#pragma deprecated` in its includes) with their replacements."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from spcopilot.diagnostics.knowledge.tables import rows


@dataclass(frozen=True, slots=True)
class ApiReplacement:
    name: str
    replacement: str
    fix_kind: str  # "rename" (same arguments), "operator", "value", an argument rewrite of rules/api/call_rewrites.py, or "" (by hand)
    advice: str
    source: str = ""


@cache
def nonexistent_functions() -> dict[str, ApiReplacement]:
    return {r[0]: ApiReplacement(r[0], r[1], r[2], r[3]) for r in rows("nonexistent_apis.tsv")}


@cache
def deprecated_natives() -> dict[str, ApiReplacement]:
    return {r[0]: ApiReplacement(r[0], r[1], r[2], r[3], r[4] if len(r) > 4 else "") for r in rows("sm_deprecated.tsv")}


# Include files that ship with SourceMod (and its bundled extensions). They are known not to
# define the names in nonexistent_apis.tsv, so a file that includes only these and does not
# define such a name itself cannot be calling a definition we have not seen.
SOURCEMOD_INCLUDES = frozenset(
    """
    sourcemod sdktools sdkhooks clientprefs cstrike tf2 tf2_stocks regex dbi geoip topmenus
    adminmenu basecomm mapchooser nextmap keyvalues dhooks profiler console functions events
    entity entity_prop_stocks float string handles helpers lang logging timers admin bitbuffer
    protobuf usermessages menus halflife clients convars core commandfilters commandline files
    textparse sorting datapack banning vector version sourcemod sdktools_functions
    sdktools_sound sdktools_stringtables sdktools_tempents sdktools_tempents_stocks sdktools_trace
    sdktools_voice sdktools_engine sdktools_entinput sdktools_entoutput sdktools_gamerules
    sdktools_hooks sdktools_variant_t sdktools_stocks sdktools_client testing adt adt_array
    adt_trie adt_stack cellarray cellstack celltrie string sourcemod.inc dbi.inc
    """.split()
)
