"""The semantic model and the features on input that error recovery keeps flat or deep (64,000
`(` on one line, unclosed braces, many items on one line): they answer, and what they answer is
right where the input still says something. Their speed on such input lives in
bench/navigation_scaling.py (which runs bench/scaling.py's inputs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from spcopilot.diagnostics.document import Document, TextChange
from spcopilot.diagnostics.model import Position
from spcopilot.diagnostics.semantic import bind
from spcopilot.diagnostics.semantic.binder import item_cache, item_keys
from spcopilot.server.features import (
    call_hierarchy,
    completion,
    hover,
    inlay_hints,
    navigation,
    references,
    rename,
    semantic_tokens,
)
from spcopilot.server.project import Project

from .test_item_reuse import snapshot

N = 20_000
HEAD = "public void OnPluginStart()\n{\n    int depth = 1;\n"
INPUTS = {
    "open parens": HEAD + "    depth = " + "(" * N + "\n}\n",
    "balanced parens": HEAD + "    depth = " + "(" * N + "depth" + ")" * N + ";\n}\n",
    "open braces": HEAD + "    " + "{" * N + " depth++;\n}\n",
    "open brackets": HEAD + "    depth = " + "[" * N + "\n}\n",
    # the same global 2,000 times on one 26 KB line (references once listed every declaration
    # of the name again for each reference)
    "one long line of items": "int g_count; " * 2000
    + "\npublic void OnPluginStart()\n{\n    int depth = g_count;\n}\n",
}


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_every_feature_answers_and_the_declaration_still_resolves(name: str, tmp_path: Path) -> None:
    text = INPUTS[name]
    path = tmp_path / "scripting" / "hostile.sp"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    project = Project(tmp_path, {"cache-dir": str(tmp_path / "cache"), "lint-workspace": False})
    uri = path.as_uri()
    project.open(uri, str(path), text, 1)
    view = project.view(uri)
    assert view is not None and view.analysed and view.lines is not None
    declared = len(text[: text.index("int depth") + 4].encode())
    at_end = len(text.encode()) - 4
    read, resolve = project.read, project.resolve_include(str(path))

    found = navigation.definition(view, declared + 1, "utf-16", resolve, read)
    assert [t.range.start for t in found] == [view.lines.position(declared)], "on a declaration: itself"
    refs = references.references(view, declared + 1, True, "utf-16", read)
    assert view.lines.position(declared) in [t.range.start for t in refs]
    assert references.highlights(view, declared + 1)
    assert hover.hover(view, declared + 1) is not None
    for at in (0, len(text.encode()) // 2, at_end):
        navigation.definition(view, at, "utf-16", resolve, read)
        references.references(view, at, True, "utf-16", read)
        hover.hover(view, at)
        completion.complete(view, at)
        call_hierarchy.prepare(view.semantic, at)
    # (where error recovery split the function, or past the depth the binder follows, a use is
    # left unbound: the declaration is renamed, that use is not)
    assert (declared, declared + 5, "level") in rename.rename(view, declared + 1, "level")[str(path)]
    if "g_count" in text:
        used = len(text[: text.rindex("g_count") + 1].encode())
        assert len(references.references(view, used, True, "utf-16", read)) == text.count("g_count")
        assert len(references.highlights(view, used)) == text.count("g_count")
    assert semantic_tokens.decode(semantic_tokens.encode(view))
    inlay_hints.hints(view, 0, len(text.encode()))


def test_items_sharing_a_long_line_have_no_key_and_rebinding_them_is_binding_afresh() -> None:
    text = "int g_a; " * 1000 + "\nint g_last;\nvoid F() { g_a = g_last; }\n"
    doc = Document(text, 0)
    assert doc.tree is not None
    keys = [key for _, key, _, _ in item_keys(doc.tree, doc.source)]
    assert keys[:1000] == [None] * 1000, "a key of the whole 9,000-byte line per item"
    assert all(key is not None for key in keys[1000:])
    index = bind(doc.tree, doc.source, "t.sp", {})
    doc.apply([TextChange("int g_b; ", Position(0, 0), Position(0, 0))], 1)
    assert doc.tree is not None
    index = bind(doc.tree, doc.source, "t.sp", item_cache(index))
    assert snapshot(index) == snapshot(bind(doc.tree, doc.source, "t.sp"))
    assert [d.name for d in index.decls][:2] == ["g_b", "g_a"]
