"""Settings from initializationOptions, workspace/configuration and didChangeConfiguration over
`.spcopilot.toml`; file watchers and re-indexing when includes change."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from .conftest import FIXTURES, copy_workspace, position_of, start, stop


async def codes(session, uri):  # type: ignore[no-untyped-def]
    return sorted(d.code for d in await session.diagnostics(uri))


async def test_initialization_options_select_rules(tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = await start(tmp_path, "neovim-0.7", init_options={"lint-workspace": False, "ignore": ["SPC201"]})
    try:
        uri = s.open("scripting/tank_alert.sp")
        assert await codes(s, uri) == ["SPC101"]
    finally:
        await stop(s)


async def test_spcopilot_toml_and_client_settings_over_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = copy_workspace(tmp_path)
    (root / ".spcopilot.toml").write_text('ignore = ["SPC101"]\n[severity]\nSPC201 = "hint"\n')
    s = await start(
        tmp_path,
        "neovim-0.11",
        root=root,
        init_options={"lint-workspace": False},
        configuration={"severity": {"SPC201": "info"}},
    )
    try:
        uri = s.open("scripting/tank_alert.sp")
        found = await s.diagnostics(uri)
        assert [d.code for d in found] == ["SPC201"]  # SPC101 ignored by the file
        assert found[0].severity == types.DiagnosticSeverity.Information  # the client's severity wins
    finally:
        await stop(s)


async def test_did_change_configuration_pulls_again(vscode) -> None:  # type: ignore[no-untyped-def]
    uri = vscode.open("scripting/tank_alert.sp")
    assert await codes(vscode, uri) == ["SPC101", "SPC201"]
    refreshes = vscode.client.diagnostic_refresh_count
    vscode.client.set_configuration({"select": ["SPC2"]}, section="spcopilot")
    vscode.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    for _ in range(100):
        if vscode.client.diagnostic_refresh_count > refreshes:
            break
        await asyncio.sleep(0.05)
    assert vscode.client.diagnostic_refresh_count > refreshes, "the client is asked to pull again"
    assert await codes(vscode, uri) == ["SPC201"]


async def test_did_change_configuration_with_settings_for_clients_without_pull(neovim) -> None:  # type: ignore[no-untyped-def]
    uri = neovim.open("scripting/tank_alert.sp")
    assert sorted(d.code for d in await neovim.pushed(uri)) == ["SPC101", "SPC201"]
    neovim.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"spcopilot": {"ignore": ["SPC1"]}})
    )
    for _ in range(100):
        if [d.code for d in neovim.client.diagnostics[uri]] == ["SPC201"]:
            break
        await asyncio.sleep(0.05)
    assert [d.code for d in neovim.client.diagnostics[uri]] == ["SPC201"]


async def test_invalid_settings_are_reported_and_ignored(neovim) -> None:  # type: ignore[no-untyped-def]
    uri = neovim.open("scripting/tank_alert.sp")
    await neovim.pushed(uri)
    neovim.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"spcopilot": {"select": ["XYZ"], "debounce-ms": "soon"}})
    )
    for _ in range(100):
        if neovim.client.messages:
            break
        await asyncio.sleep(0.05)
    assert neovim.client.messages and "spcopilot:" in neovim.client.messages[0].message
    assert neovim.client.messages[0].type == types.MessageType.Warning
    hover = await neovim.client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, 3))
    )
    assert hover is None or hover.contents  # still serving


async def test_include_dirs_setting(tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = copy_workspace(tmp_path)
    (root / "scripting" / "include").rename(root / "sdk")  # no longer found next to the plugin
    s = await start(tmp_path, "vscode", root=root, init_options={"lint-workspace": False, "include-dirs": ["sdk"]})
    try:
        uri = s.open("scripting/tank_alert.sp")
        text = s.text("scripting/tank_alert.sp")
        line = next(i for i, text_line in enumerate(text.splitlines()) if "L4D2_GetZombieClass(victim)" in text_line)
        col = text.splitlines()[line].index("L4D2_GetZombieClass") + 2
        result = await s.client.text_document_definition_async(
            types.DefinitionParams(types.TextDocumentIdentifier(uri), types.Position(line, col))
        )
        assert result and result[0].uri.endswith("/sdk/l4d2_helpers.inc")  # type: ignore[index]
    finally:
        await stop(s)


async def test_watchers_are_registered_when_the_client_allows(session) -> None:  # type: ignore[no-untyped-def]
    await asyncio.sleep(0.2)
    registered = [r for r in session.registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    dynamic = session.capabilities.workspace.did_change_watched_files  # type: ignore[union-attr]
    if dynamic is not None and dynamic.dynamic_registration:
        (registration,) = registered
        options = registration.register_options
        watchers = (
            options["watchers"]
            if isinstance(options, dict)
            else [{"globPattern": w.glob_pattern} for w in options.watchers]
        )  # type: ignore[union-attr]
        assert {"**/*.inc", "**/.spcopilot.toml"} <= {w["globPattern"] for w in watchers}
    else:
        assert registered == []


async def test_a_changed_include_is_reindexed(vscode) -> None:  # type: ignore[no-untyped-def]
    uri = vscode.open("scripting/tank_alert.sp")
    assert "SPC101" in await codes(vscode, uri)
    helpers = vscode.root / "scripting" / "include" / "l4d2_helpers.inc"
    helpers.write_text(
        helpers.read_text() + "\nstock float RandomFloat(float a, float b) { return GetRandomFloat(a, b); }\n"
    )
    vscode.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=helpers.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    await asyncio.sleep(0.3)
    assert "SPC101" not in await codes(vscode, uri)  # the include now defines it


async def test_a_changed_spcopilot_toml_is_reloaded(neovim) -> None:  # type: ignore[no-untyped-def]
    uri = neovim.open("scripting/tank_alert.sp")
    await neovim.pushed(uri)
    config = neovim.root / ".spcopilot.toml"
    config.write_text('select = ["SPC1"]\n')
    neovim.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Created)]
        )
    )
    for _ in range(100):
        if [d.code for d in neovim.client.diagnostics[uri]] == ["SPC101"]:
            break
        await asyncio.sleep(0.05)
    assert [d.code for d in neovim.client.diagnostics[uri]] == ["SPC101"]


async def test_game_dir_supplies_the_events(tmp_path) -> None:  # type: ignore[no-untyped-def]
    game = FIXTURES / "game"
    s = await start(tmp_path, "neovim-0.11", init_options={"lint-workspace": False, "game-dir": str(game)})
    try:
        text = '#include <sourcemod>\npublic void OnPluginStart()\n{\n    HookEvent("mutation_bonus_awarded", E);\n}\n'
        uri = s.open("scripting/new.sp", text)
        position = position_of(text, 'HookEvent("', 11, "utf-8")
        result = await s.client.text_document_completion_async(
            types.CompletionParams(types.TextDocumentIdentifier(uri), position)
        )
        assert result is not None
        assert sorted(i.label for i in result.items) == [
            "lunge_pounce",
            "mutation_bonus_awarded",
            "player_death",
            "tank_spawn",
        ]
        hover = await s.client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), position_of(text, "mutation", 3, "utf-8"))
        )
        assert hover is not None and "| `amount` | float | `GetFloat` |" in hover.contents.value  # type: ignore[union-attr]
    finally:
        await stop(s)
