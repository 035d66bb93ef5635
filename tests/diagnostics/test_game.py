"""Game detection of game-neutral plugins: SourceMod's stock plugins and plugins written for any
game are `generic`, even when they name Left 4 Dead 2 (the mislabelled case: the stock nextmap
plugin compares the game folder to "left4dead2" only to refuse loading there)."""

from __future__ import annotations

from spcopilot.diagnostics import detect_game_of
from spcopilot.diagnostics.game import signals_from_counts
from spcopilot.diagnostics.text_counts import TextCounts

# Written for this test in the shape of a stock plugin: refuses some games, L4D2 among them.
STOCK_LIKE = """#include <sourcemod>

public Plugin myinfo =
{
    name = "Map Rotation",
    author = "AlliedModders LLC",
    description = "Shows and changes the next map",
    version = SOURCEMOD_VERSION,
    url = "http://www.sourcemod.net/"
};

public APLRes AskPluginLoad2(Handle myself, bool late, char[] error, int err_max)
{
    char game[64];
    GetGameFolderName(game, sizeof(game));
    if (StrEqual(game, "left4dead2", false))
    {
        strcopy(error, err_max, "not for this game");
        return APLRes_SilentFailure;
    }
    return APLRes_Success;
}
"""

MULTI_GAME = """#include <sourcemod>

public void OnPluginStart()
{
    EngineVersion engine = GetEngineVersion();
    if (engine == Engine_TF2 || engine == Engine_CSGO || engine == Engine_Left4Dead2)
    {
        RegConsoleCmd("sm_hello", Cmd_Hello);
    }
}

public Action Cmd_Hello(int client, int args)
{
    ReplyToCommand(client, "hello");
    return Plugin_Handled;
}
"""

L4D_BOTH = """#include <sourcemod>

public void OnPluginStart()
{
    EngineVersion engine = GetEngineVersion();
    if (engine != Engine_Left4Dead && engine != Engine_Left4Dead2)
    {
        SetFailState("Left 4 Dead 1 or 2 only");
    }
    HookEvent("tank_spawn", Event_TankSpawn);
}

public void Event_TankSpawn(Event event, const char[] name, bool dontBroadcast)
{
    PrintToChatAll("Tank!");
}
"""


def test_a_stock_plugin_that_names_l4d2_is_generic() -> None:
    info = detect_game_of(STOCK_LIKE)
    assert info.game == "generic"
    assert any("stock plugin" in r for r in info.reasons)
    # The same text without the stock author is what it says: a plugin that checks for L4D2.
    assert detect_game_of(STOCK_LIKE.replace("AlliedModders LLC", "someone")).game == "l4d2"


def test_a_plugin_for_several_games_is_generic() -> None:
    info = detect_game_of(MULTI_GAME)
    assert info.game == "generic"
    assert any("game-neutral" in r and "3 games" in r for r in info.reasons)


def test_a_plugin_for_both_left_4_dead_games_stays_l4d2() -> None:
    assert detect_game_of(L4D_BOTH).game == "l4d2"


def test_the_editor_counts_give_the_same_signal() -> None:
    """The editor keeps needle counts across edits (text_counts) instead of rescanning: the
    neutral signals come from the same needles."""
    for text, neutral in ((STOCK_LIKE, True), (MULTI_GAME, True), (L4D_BOTH, False)):
        counts = TextCounts(text.encode("utf-8"))
        signals = signals_from_counts(lambda needle, c=counts: c.count(needle) > 0, (0, 0), False)
        assert any(game == "generic" for game, _weight, _why in signals) == neutral
