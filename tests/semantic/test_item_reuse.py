"""Rebinding an edited document with the previous version's items (semantic/binder.py: items
whose key text did not change are moved, not read again) gives exactly what binding it afresh
gives: every declaration, local and reference, with its position. Random edit sequences on the
rule fixtures, as the incremental lint's property test makes them."""

from __future__ import annotations

import random

import pytest
from spcopilot.diagnostics.document import Document, TextChange
from spcopilot.diagnostics.semantic import FileIndex, bind
from spcopilot.diagnostics.semantic.binder import item_cache
from spcopilot.diagnostics.semantic.symbols import Decl

from tests.diagnostics.test_incremental import SOURCES, position_in, random_edit


def _decl(d: Decl) -> tuple:
    return (d.name, d.kind, d.start, d.end, d.line, d.column, d.span, d.parent, d.type, d.signature, d.doc,
            d.deprecated, d.scope, d.static, d.value, tuple(p.key for p in d.param_decls))  # fmt: skip


def snapshot(index: FileIndex) -> tuple:
    refs = [(r.start, r.end, r.name, r.role, r.target.key if r.target else None, r.receiver) for r in index.refs]
    return (
        refs,
        [_decl(d) for d in index.decls],
        [_decl(d) for d in index.locals],
        [(i.name, i.system, i.start, i.end) for i in index.includes],
    )


@pytest.mark.parametrize("name", sorted(SOURCES)[::3])
def test_rebinding_with_reused_items_is_binding_afresh(name: str) -> None:
    rng = random.Random(sum(map(ord, name)))
    text = SOURCES[name]
    doc = Document(text, 0)
    assert doc.tree is not None
    index = bind(doc.tree, doc.source, "t.sp", {})
    for step in range(12):
        start, end, new = random_edit(rng, text)
        text = text[:start] + new + text[end:]
        doc.apply([TextChange(new, position_in(doc.text, start), position_in(doc.text, end))], step + 1)
        assert doc.tree is not None
        index = bind(doc.tree, doc.source, "t.sp", item_cache(index))
        fresh = bind(doc.tree, doc.source, "t.sp")
        assert snapshot(index) == snapshot(fresh), f"{name} step {step}"
