"""Negatives that depend on the whole file, which a single fixture cannot hold next to its
positives: SPC103 (translations loaded anywhere) and SPC202 (game-guarded plugins)."""

from __future__ import annotations

import pytest
from spcopilot.diagnostics import Config
from spcopilot.diagnostics.engine import lint

FIND_TARGET = """
#include <sourcemod>
public void OnPluginStart()
{
    %s
    RegAdminCmd("sm_slay2", Command_Slay, ADMFLAG_SLAY);
}
public Action Command_Slay(int client, int args)
{
    char arg[64];
    GetCmdArg(1, arg, sizeof(arg));
    int target = FindTarget(client, arg);
    return Plugin_Handled;
}
"""


def codes(text: str, code: str) -> list[str]:
    return [d.code for d in lint(text, "plugin.sp", Config(select=(code,)))]


@pytest.mark.parametrize(
    "load",
    [
        'LoadTranslations("common.phrases");',
        'LoadTranslations("common.phrases.txt");',
        "LoadTranslations(TRANSLATIONS);",  # not a literal: it may be common.phrases
    ],
)
def test_spc103_translations_loaded(load: str) -> None:
    assert codes(FIND_TARGET % load, "SPC103") == []


def test_spc103_reports_without_them() -> None:
    assert codes(FIND_TARGET % 'LoadTranslations("myplugin.phrases");', "SPC103") == ["SPC103"]


def test_spc103_own_find_target() -> None:
    text = FIND_TARGET % "" + "\nint FindTarget(int client, const char[] arg) { return client; }\n"
    assert codes(text, "SPC103") == []


def test_spc103_part_of_a_larger_plugin() -> None:
    text = FIND_TARGET.replace("OnPluginStart", "Module_Init") % ""
    assert codes(text, "SPC103") == []


HOOKS = """
#include <sourcemod>
#include <left4dhooks>
public void OnPluginStart()
{
    %s
    HookEvent("teamplay_round_win", Event_Win);
}
public void Event_Win(Event event, const char[] name, bool dontBroadcast) {}
"""


def test_spc202_reports_in_l4d2_plugins() -> None:
    assert codes(HOOKS % "", "SPC202") == ["SPC202"]


@pytest.mark.parametrize(
    "guard",
    [
        "if (GetEngineVersion() != Engine_TF2) return;",
        "char g[16]; GetGameFolderName(g, sizeof(g));",
    ],
)
def test_spc202_game_guarded(guard: str) -> None:
    assert codes(HOOKS % guard, "SPC202") == []


def test_spc202_only_for_l4d2() -> None:
    text = (HOOKS % "").replace("#include <left4dhooks>", "#include <tf2_stocks>")
    assert codes(text, "SPC202") == []
