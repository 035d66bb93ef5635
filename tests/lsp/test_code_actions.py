"""Code actions: quick fixes (preferred when safe), "ignore on this line", fix-all; always a
WorkspaceEdit (versioned documentChanges when the client supports them), never a disk write."""

from __future__ import annotations

from lsprotocol import types

from .conftest import Session, apply_text_edits, edits_of, encoding_of


async def actions_at(session: Session, uri: str, line: int, only: list[str] | None = None) -> list[types.CodeAction]:
    diagnostics = await session.diagnostics(uri)
    here = [d for d in diagnostics if d.range.start.line == line]
    result = await session.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=types.Range(types.Position(line, 0), types.Position(line, 200)),
            context=types.CodeActionContext(diagnostics=here, only=only),
        )
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines()) if needle in line)


async def test_quick_fix_for_a_misnamed_event(session: Session) -> None:
    text = session.text("scripting/tank_alert.sp")
    uri = session.open("scripting/tank_alert.sp")
    actions = await actions_at(session, uri, line_of(text, "tank_spawned"), only=[types.CodeActionKind.QuickFix])
    fix = next(a for a in actions if a.title.startswith("SPC201"))
    assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred
    assert fix.diagnostics and fix.diagnostics[0].code == "SPC201"
    result = apply_text_edits(text, edits_of(fix.edit, uri), encoding_of(session))
    assert 'HookEvent("tank_spawn", Event_TankSpawn);' in result
    if session.capabilities.workspace.workspace_edit.document_changes:  # type: ignore[union-attr]
        change = fix.edit.document_changes[0]  # type: ignore[union-attr,index]
        assert change.text_document.version == 1
    else:
        assert fix.edit.changes and not fix.edit.document_changes  # type: ignore[union-attr]
    assert session.text("scripting/tank_alert.sp") == text, "nothing is written to disk"


async def test_unsafe_fixes_are_not_preferred(session: Session) -> None:
    text = session.text("scripting/pinned_speed.sp")
    uri = session.open("scripting/pinned_speed.sp")
    actions = await actions_at(session, uri, line_of(text, "CreateTimer(5.0, Timer_Restore, victim)"))
    fix = next(a for a in actions if a.title.startswith("SPC401"))
    assert not fix.is_preferred and "unsafe" in fix.title


async def test_ignore_on_this_line(session: Session) -> None:
    text = session.text("scripting/tank_alert.sp")
    uri = session.open("scripting/tank_alert.sp")
    line = line_of(text, "RandomFloat")
    actions = await actions_at(session, uri, line)
    ignore = next(a for a in actions if a.title == "Ignore SPC101 on this line")
    result = apply_text_edits(text, edits_of(ignore.edit, uri), encoding_of(session))
    assert result.splitlines()[line].endswith("float delay = RandomFloat(2.0, 5.0);  // spcopilot: ignore[SPC101]")
    session.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=result)],
        )
    )
    found = await session.diagnostics(uri) if session.pull else await session.pushed(uri, version=2)
    assert "SPC101" not in {d.code for d in found}


async def test_fix_all(session: Session) -> None:
    text = session.text("scripting/tank_alert.sp")
    uri = session.open("scripting/tank_alert.sp")
    actions = await actions_at(session, uri, 0, only=[types.CodeActionKind.SourceFixAll])
    assert [a.kind for a in actions] == ["source.fixAll.spcopilot"]
    edits = edits_of(actions[0].edit, uri)
    assert len(edits) == 1
    result = apply_text_edits(text, edits, encoding_of(session))
    assert 'HookEvent("tank_spawn", Event_TankSpawn);' in result and "GetRandomFloat(2.0, 5.0)" in result
    assert session.text("scripting/tank_alert.sp") == text


async def test_no_actions_for_a_clean_line(session: Session) -> None:
    uri = session.open("scripting/clean_plugin.sp")
    assert await actions_at(session, uri, 2, only=[types.CodeActionKind.QuickFix]) == []
