"""Rename: every reference to a symbol across the workspace, as edits per file; refused (with
the reason) where a rename would break the plugin: symbols of read-only include folders
(SourceMod's own natives and forwards, configured include folders), a new name that is not
an identifier or that another declaration already answers to where the symbol is used."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from spcopilot.diagnostics.errors import SpcopilotError
from spcopilot.diagnostics.semantic import Decl, Occurrence, Workspace
from spcopilot.diagnostics.semantic import symbols as k
from spcopilot.diagnostics.semantic.keywords import KEYWORDS
from spcopilot.server.features.references import named_symbol
from spcopilot.server.features.view import DocumentView

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class RenameRefused(SpcopilotError):
    """A rename that cannot be done; the message says why."""


@dataclass(frozen=True, slots=True)
class RenameTarget:
    start: int  # bytes of the name under the cursor
    end: int
    placeholder: str
    decl: Decl


def prepare(view: DocumentView, offset: int) -> RenameTarget:
    """What a rename at `offset` would rename, or RenameRefused."""
    if not view.analysed:
        raise RenameRefused("the document is not analysed")
    ref, decls = view.semantic.resolve_at(offset)
    if ref is None:
        raise RenameRefused("there is no symbol to rename here")
    if ref.role == k.THIS:
        raise RenameRefused("`this` cannot be renamed")
    if not decls:
        raise RenameRefused(f"`{ref.name}` is not declared in this plugin or its includes: nothing to rename")
    decl = named_symbol(view, decls[0])
    workspace = view.workspace
    assert workspace is not None
    for other in [decl, *_same_symbol(view, decl)]:
        if workspace.read_only(other.path):
            what = "implements a forward declared" if other is not decl else "is declared"
            raise RenameRefused(
                f"`{decl.name}` {what} in {os.path.basename(other.path)}, a read-only include "
                "(SourceMod's or a configured include folder)"
            )
    if decl.kind in (k.GETTER, k.SETTER):
        raise RenameRefused("`get` and `set` are keywords")
    return RenameTarget(ref.start, ref.end, ref.name, decl)


def rename(view: DocumentView, offset: int, new_name: str) -> dict[str, list[tuple[int, int, str]]]:
    """Edits (start, end, new text) per file path."""
    target = prepare(view, offset)
    check_name(new_name)
    workspace = view.workspace
    assert workspace is not None
    with workspace.batch():
        found = [o for o in workspace.references(target.decl, include_declaration=True) if not o.keyword]
        _check_conflicts(workspace, target.decl, found, new_name)
    edits: dict[str, list[tuple[int, int, str]]] = {}
    for occurrence in found:
        edits.setdefault(occurrence.path, []).append((occurrence.start, occurrence.end, new_name))
    return edits


def check_name(name: str) -> None:
    if not _IDENTIFIER.fullmatch(name):
        raise RenameRefused(f"`{name}` is not a valid SourcePawn identifier")
    if name in KEYWORDS:
        raise RenameRefused(f"`{name}` is a keyword")


def _same_symbol(view: DocumentView, decl: Decl) -> list[Decl]:
    """The other declarations of one global symbol (a forward and the function implementing it)."""
    workspace = view.workspace
    if workspace is None or decl.kind in k.SCOPED_KINDS or decl.is_member:
        return []
    program = view.semantic.program
    return [d for d in program.all_named(decl.name) if d is not decl and workspace.same_symbol(decl, d, program)]


def _check_conflicts(workspace: Workspace, decl: Decl, found: list[Occurrence], new_name: str) -> None:
    """Refuse when another declaration already answers to the new name where the symbol is
    used (it would take over those uses, or the symbol would hide it)."""
    for path in {o.path for o in found}:
        model = workspace.model(path)
        if model is None:
            continue
        for occurrence in (o for o in found if o.path == path):
            if decl.is_member:
                continue
            clash = model.locals_at(occurrence.start).get(new_name)
            if clash is None:
                clash = next(iter(model.program.lookup(new_name)), None)
            if clash is not None and clash is not decl:
                raise RenameRefused(
                    f"`{new_name}` is already declared ({clash.kind} in {os.path.basename(clash.path)}, "
                    f"line {clash.line + 1}) where `{decl.name}` is used"
                )
    if decl.is_member and workspace.program(decl.path).member(decl.parent, new_name) is not None:
        raise RenameRefused(f"`{decl.parent}` already has a member `{new_name}`")
