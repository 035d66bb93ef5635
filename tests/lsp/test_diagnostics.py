"""Diagnostics over the real protocol: push for clients that cannot pull, pull for those that
can (never both), codeDescription links, tags, versions, debouncing, the workspace on start."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from .conftest import Session, copy_workspace, encoding_of, start, stop


async def test_pull_clients_are_never_pushed_to(session: Session) -> None:
    uri = session.open("scripting/tank_alert.sp")
    found = await session.diagnostics(uri)
    assert sorted(d.code for d in found) == ["SPC101", "SPC201"]
    if session.pull:
        await asyncio.sleep(0.5)  # well past the debounce
        assert uri not in session.client.diagnostics, "a pulling client must not also get pushes"


async def test_capabilities_follow_the_client(session: Session) -> None:
    caps = session.result.capabilities
    assert (caps.diagnostic_provider is not None) == session.pull
    if caps.diagnostic_provider is not None:
        assert caps.diagnostic_provider.workspace_diagnostics
    assert caps.position_encoding == ("utf-8" if session.name == "neovim-0.11" else "utf-16")
    assert caps.text_document_sync.change == types.TextDocumentSyncKind.Incremental  # type: ignore[union-attr]
    assert set(caps.completion_provider.trigger_characters or []) == {'"', ".", "(", "<", "/"}  # type: ignore[union-attr]


async def test_diagnostic_fields(session: Session) -> None:
    uri = session.open("scripting/tank_alert.sp")
    found = {d.code: d for d in await session.diagnostics(uri)}
    spc201 = found["SPC201"]
    assert spc201.source == "spcopilot"
    assert spc201.severity == types.DiagnosticSeverity.Error
    assert spc201.code_description is not None
    assert spc201.code_description.href == "https://github.com/sourcepawn-copilot/sourcepawn-copilot#spc201"
    line = session.text("scripting/tank_alert.sp").splitlines()[spc201.range.start.line]
    assert line[spc201.range.start.character : spc201.range.end.character] == '"tank_spawned"'


async def test_deprecated_tag(session: Session) -> None:
    uri = session.open("scripting/pinned_speed.sp")
    found = {d.code: d for d in await session.diagnostics(uri)}
    assert list(found["SPC102"].tags or []) == [types.DiagnosticTag.Deprecated]
    assert found["SPC201"].tags is None


async def test_positions_in_the_negotiated_encoding(session: Session) -> None:
    text = session.text("scripting/tank_alert.sp").replace(
        'HookEvent("tank_spawned"', 'PrintToChatAll("Ünïcödé 😀"); HookEvent("tank_spawned"'
    )
    uri = session.open("scripting/tank_alert.sp", text)
    spc201 = next(d for d in await session.diagnostics(uri) if d.code == "SPC201")
    line = text.splitlines()[spc201.range.start.line]
    if encoding_of(session) == "utf-8":
        raw = line.encode("utf-8")
        assert raw[spc201.range.start.character : spc201.range.end.character] == b'"tank_spawned"'
    else:
        units = line.encode("utf-16-le")
        assert (
            units[2 * spc201.range.start.character : 2 * spc201.range.end.character].decode("utf-16-le")
            == '"tank_spawned"'
        )


async def test_edits_update_diagnostics_for_the_latest_version(session: Session) -> None:
    text = session.text("scripting/tank_alert.sp")
    uri = session.open("scripting/tank_alert.sp")
    await session.diagnostics(uri)
    line = next(i for i, text_line in enumerate(text.splitlines()) if "tank_spawned" in text_line)
    col = text.splitlines()[line].index("tank_spawned")
    # Type the fix one keystroke at a time: "tank_spawned" -> "tank_spawn" (delete "ed").
    for version, end in ((2, col + 12), (3, col + 11)):
        session.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(types.Position(line, end - 1), types.Position(line, end)), text=""
                    )
                ],
            )
        )
    if session.pull:
        found = await session.diagnostics(uri)
    else:
        found = await session.pushed(uri, version=3)
    assert [d.code for d in found] == ["SPC101"]


async def test_push_is_debounced_and_never_for_an_older_version(neovim: Session) -> None:
    uri = neovim.open("scripting/clean_plugin.sp")
    await neovim.pushed(uri, version=1)
    pushes: list[int | None] = []
    original = neovim.client.protocol.fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]
    neovim.client.protocol.fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = lambda params: (
        pushes.append(params.version),
        original(params),
    )
    for version in range(2, 42):
        neovim.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(types.Position(0, 0), types.Position(0, 0)), text="// typing\n"
                    )
                ],
            )
        )
    await neovim.pushed(uri, version=41)
    await asyncio.sleep(0.3)
    assert pushes == sorted(pushes) and pushes[-1] == 41
    assert len(pushes) < 5, f"a burst of 40 changes gave {len(pushes)} pushes (debounce)"


async def test_pull_answers_unchanged_for_the_same_version(vscode: Session) -> None:
    uri = vscode.open("scripting/tank_alert.sp")
    identifier = types.TextDocumentIdentifier(uri)
    first = await vscode.client.text_document_diagnostic_async(types.DocumentDiagnosticParams(text_document=identifier))
    assert first.kind == "full" and first.result_id
    second = await vscode.client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=identifier, previous_result_id=first.result_id)
    )
    assert second.kind == "unchanged" and second.result_id == first.result_id


async def test_closing_a_document_clears_pushed_diagnostics(neovim: Session) -> None:
    uri = neovim.open("scripting/tank_alert.sp")
    assert await neovim.pushed(uri, version=1)
    neovim.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    for _ in range(100):
        if not neovim.client.diagnostics.get(uri):
            break
        await asyncio.sleep(0.02)
    assert list(neovim.client.diagnostics[uri]) == []


async def test_workspace_is_linted_on_start_with_progress(tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = copy_workspace(tmp_path)
    s = await start(tmp_path, "neovim-0.7", root=root)
    try:
        uri = (root / "scripting" / "pinned_speed.sp").as_uri()
        found = await s.pushed(uri)
        assert {"SPC201", "SPC401", "SPC102"} <= {d.code for d in found}
        for _ in range(200):
            kinds = [[getattr(v, "kind", None) for v in reports] for reports in s.client.progress_reports.values()]
            if sum(1 for k in kinds if k and k[-1] == "end") >= 2:
                break
            await asyncio.sleep(0.05)
        titles = {reports[0].title for reports in s.client.progress_reports.values() if reports}
        assert {"spcopilot: linting the workspace", "spcopilot: indexing includes"} <= titles
        for reports in s.client.progress_reports.values():
            assert reports[0].kind == "begin" and reports[-1].kind == "end"
    finally:
        await stop(s)


async def test_workspace_diagnostics_for_pulling_clients(tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = copy_workspace(tmp_path)
    s = await start(tmp_path, "vscode", root=root)
    try:
        for _ in range(200):
            if s.client.diagnostic_refresh_count:
                break
            await asyncio.sleep(0.05)
        assert s.client.diagnostic_refresh_count >= 1, "the server asks for a refresh once the workspace is linted"
        report = await s.client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=[]))
        by_uri = {item.uri: item for item in report.items}
        pinned = by_uri[(root / "scripting" / "pinned_speed.sp").as_uri()]
        assert {"SPC201", "SPC401", "SPC102"} <= {d.code for d in pinned.items}
        assert list(by_uri[(root / "scripting" / "clean_plugin.sp").as_uri()].items) == []
        assert not s.client.diagnostics, "nothing is pushed to a pulling client"
    finally:
        await stop(s)
