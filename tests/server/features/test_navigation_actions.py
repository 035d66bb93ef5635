"""Definition, outline, workspace symbol search and code actions."""

from __future__ import annotations

from spcopilot.diagnostics import lint
from spcopilot.diagnostics.fixes import apply_edits
from spcopilot.diagnostics.include_symbols import Symbol
from spcopilot.diagnostics.model import Edit, Position, Range
from spcopilot.diagnostics.text import LineIndex
from spcopilot.server.features.code_actions import (
    FIX_ALL,
    QUICKFIX,
    fix_all,
    ignore_actions,
    ignore_edit,
    minimal_edit,
    quick_fixes,
    wanted,
)
from spcopilot.server.features.navigation import definition, outline, search_symbols

from .helpers import SCRIPTING

PLUGIN = """#include <sourcemod>
#include <l4d2_helpers>

#define MAX_TANKS 4

enum TankState
{
    Tank_None,
    Tank_Alive
};

methodmap TankList < ArrayList
{
    public void Track(int client) { this.Push(GetClientUserId(client)); }
    property int Count { public get() { return this.Length; } }
};

ConVar g_cvEnabled;

public void OnPluginStart()
{
    HookEvent("tank_spawned", Event_Tank);
    float f = RandomFloat(1.0, 2.0);
}

public void Event_Tank(Event event, const char[] name, bool dontBroadcast)
{
    int client = GetClientOfUserId(event.GetInt("userid"));
    if (L4D2_IsSurvivor(client)) {}
}
"""


def offset_of(needle: str, delta: int = 1) -> int:
    return len(PLUGIN[: PLUGIN.index(needle) + delta].encode())


def test_definition_in_an_include(make_view) -> None:  # type: ignore[no-untyped-def]
    view, _ = make_view(PLUGIN)
    (target,) = definition(view, offset_of("L4D2_IsSurvivor(client)", 3))
    assert target.path.endswith("l4d2_helpers.inc")
    line = (SCRIPTING / "include" / "l4d2_helpers.inc").read_text().splitlines()[target.range.start.line]
    assert line[target.range.start.character : target.range.end.character] == "L4D2_IsSurvivor"


def test_definition_in_the_document_and_of_an_include_line(make_view) -> None:  # type: ignore[no-untyped-def]
    view, _ = make_view(PLUGIN)
    (target,) = definition(view, offset_of("Event_Tank);", 2))
    assert target.range.start.line == PLUGIN[: PLUGIN.index("public void Event_Tank")].count("\n")
    resolved = definition(
        view, offset_of("<l4d2_helpers>", 3), resolve_include=lambda name, system: SCRIPTING / "include" / f"{name}.inc"
    )
    assert resolved[0].path.endswith("l4d2_helpers.inc")


def test_outline_nests_members(make_view) -> None:  # type: ignore[no-untyped-def]
    view, _ = make_view(PLUGIN)
    items = {i.name: i for i in outline(view)}
    assert {"MAX_TANKS", "TankState", "TankList", "g_cvEnabled", "OnPluginStart", "Event_Tank"} <= set(items)
    assert [c.name for c in items["TankList"].children] == ["Track", "Count"]
    assert [c.name for c in items["TankState"].children] == ["Tank_None", "Tank_Alive"]
    on_start = items["OnPluginStart"]
    assert view.source[slice(*on_start.selection)] == b"OnPluginStart"
    assert view.source[on_start.range[0] : on_start.range[1]].startswith(b"public void OnPluginStart()")


def test_workspace_symbol_search_ranks_prefixes_first() -> None:
    symbols = [
        Symbol(n, "native", f"native void {n}()")
        for n in ("GetClientTeam", "ClientCommand", "GetClientName", "IsClientInGame")
    ]
    found = [s.name for s in search_symbols(symbols, "getclient")]
    assert found[:2] == ["GetClientName", "GetClientTeam"]
    assert [s.name for s in search_symbols(symbols, "gcname")] == ["GetClientName"]  # in order, scattered


def test_quick_fixes_and_ignore_actions(make_view) -> None:  # type: ignore[no-untyped-def]
    view, _ = make_view(PLUGIN)
    fixes = quick_fixes(view.diagnostics)
    titles = [f.title for f in fixes]
    assert any("SPC201" in t and "tank_spawn" in t for t in titles)
    assert all(f.preferred for f in fixes if "unsafe" not in f.title)
    ignores = ignore_actions(view.diagnostics, view.source, view.lines)
    spc201 = next(a for a in ignores if a.title == "Ignore SPC201 on this line")
    fixed = apply_edits(view.source, [Edit(s, e, t, Range(Position(0, 0), Position(0, 0))) for s, e, t in spc201.edits])
    assert b'HookEvent("tank_spawned", Event_Tank);  // spcopilot: ignore[SPC201]\n' in fixed
    assert "SPC201" not in {d.code for d in lint(fixed, str(SCRIPTING / "x.sp"))}


def test_ignore_adds_to_an_existing_suppression() -> None:
    source = b"    Foo(); // spcopilot: ignore[SPC101]\n"
    start, end, text = ignore_edit(source, LineIndex(source), 0, "SPC201")
    assert source[:start] + text.encode() + source[end:] == b"    Foo(); // spcopilot: ignore[SPC101, SPC201]\n"


def test_fix_all_is_one_minimal_edit(make_view) -> None:  # type: ignore[no-untyped-def]
    view, _ = make_view(PLUGIN)
    action = fix_all(view.source, lambda s: lint(s, str(SCRIPTING / "x.sp")))
    assert action is not None and action.kind == "source.fixAll.spcopilot"
    ((start, end, text),) = action.edits
    result = view.source[:start] + text.encode() + view.source[end:]
    assert b'HookEvent("tank_spawn", Event_Tank);' in result and b"GetRandomFloat(1.0, 2.0)" in result
    assert end - start < len(view.source) // 2


def test_fix_all_from_known_findings_lints_only_after_a_fix(make_view) -> None:  # type: ignore[no-untyped-def]
    """Asked with every code action (each move of the cursor): from the findings the editor
    shows, it lints again only once something was fixed."""
    view, _ = make_view(PLUGIN)
    path = str(SCRIPTING / "x.sp")
    found = lint(view.source, path)
    linted: list[bytes] = []

    def counting(source: bytes) -> list:  # type: ignore[type-arg]
        linted.append(source)
        return lint(source, path)

    assert fix_all(view.source, counting, found) == fix_all(view.source, lambda s: lint(s, path))
    assert linted and view.source not in linted
    nothing_to_fix = [d for d in found if d.fix is None]
    linted.clear()
    assert fix_all(view.source, counting, nothing_to_fix) is None and linted == []


def test_minimal_edit_keeps_whole_characters() -> None:
    old, new = "a é b".encode(), "a è b".encode()
    start, end, text = minimal_edit(old, new)
    assert old[:start] + text.encode() + old[end:] == new
    assert text == "è"


def test_requested_kinds_are_hierarchical() -> None:
    assert wanted(FIX_ALL, None) and wanted(FIX_ALL, ["source.fixAll"]) and wanted(FIX_ALL, ["source"])
    assert not wanted(FIX_ALL, ["quickfix"]) and not wanted(QUICKFIX, ["source.fixAll"])
    assert not wanted(FIX_ALL, ["source.fix"])
