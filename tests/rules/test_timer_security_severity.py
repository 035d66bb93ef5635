"""Severity downgrades the fixtures cannot show (they mark ranges, not severities): SPC401 is a
hint when the callback re-checks the client, SPC502 a hint in admin-only commands."""

from __future__ import annotations

from spcopilot.diagnostics import Config
from spcopilot.diagnostics.engine import lint
from spcopilot.diagnostics.model import Severity

TIMER = """
public void Event_Spawn(Event event, const char[] name, bool dontBroadcast)
{
    int client = GetClientOfUserId(event.GetInt("userid"));
    CreateTimer(0.5, Timer_Kit, client);
}
public Action Timer_Kit(Handle timer, any data)
{
    int client = data;
    %s
    return Plugin_Stop;
}
"""

ADMIN_SQL = """
public void OnPluginStart()
{
    %s("sm_reset", Cmd_Reset%s);
}
public Action Cmd_Reset(int client, int args)
{
    SQL_FastQuery(g_hDB, "DELETE FROM players");
    return Plugin_Handled;
}
"""


def severities(text: str, code: str) -> list[Severity]:
    return [d.severity for d in lint(text, "plugin.sp", Config(select=(code,))) if d.code == code]


def test_spc401_warning_without_a_check() -> None:
    assert severities(TIMER % 'GivePlayerItem(client, "weapon_pistol");', "SPC401") == [Severity.WARNING]


def test_spc401_hint_when_the_callback_checks_the_client() -> None:
    for check in ("if (!IsClientInGame(client)) return Plugin_Stop;", "if (!IsSurvivor(data)) return Plugin_Stop;"):
        assert severities(TIMER % check, "SPC401") == [Severity.HINT], check


def test_spc502_hint_in_admin_commands_only() -> None:
    assert severities(ADMIN_SQL % ("RegAdminCmd", ", ADMFLAG_ROOT"), "SPC502") == [Severity.HINT]
    assert severities(ADMIN_SQL % ("RegConsoleCmd", ""), "SPC502") == [Severity.WARNING]
