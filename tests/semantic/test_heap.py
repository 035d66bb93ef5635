"""The workspace settles the heap (heap.py) once after a request that read many files, and only
in a process that turned it on (the language server's)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from spcopilot.diagnostics.semantic import heap
from spcopilot.server.features import references
from spcopilot.server.project import Project


def _workspace(root: Path, plugins: int) -> tuple[Project, str, str]:
    (root / "include").mkdir()
    (root / "include" / "bank.inc").write_text("native void Bank_Open(int client);\n")
    for i in range(plugins):
        (root / f"p{i}.sp").write_text(f"#include <bank>\npublic void F{i}()\n{{\n    Bank_Open(0);\n}}\n")
    text = "#include <bank>\npublic void Main()\n{\n    Bank_Open(1);\n}\n"
    main = root / "main.sp"
    main.write_text(text)
    project = Project(root, {"cache-dir": str(root / "cache")})
    project.open(main.as_uri(), str(main), text, 1)
    return project, main.as_uri(), text


def test_a_bulk_read_settles_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settled: list[int] = []
    monkeypatch.setattr(heap, "BULK_READ", 4)
    monkeypatch.setattr(heap, "settle", lambda: settled.append(1))
    project, uri, text = _workspace(tmp_path, 6)
    view = project.view(uri)
    assert view is not None
    at = text.index("Bank_Open(1)") + 2
    found = references.references(view, at, True, "utf-8", project.read)
    assert len(found) == 8  # the declaration, the 6 plugins, the open file
    assert settled == [1]
    references.references(view, at, True, "utf-8", project.read)  # warm: nothing read again
    assert settled == [1]


def test_settling_freezes_only_when_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    assert heap.ENABLED is False  # a library user's heap is left alone by default
    before = gc.get_freeze_count()
    heap.settle()
    assert gc.get_freeze_count() == before
    monkeypatch.setattr(heap, "ENABLED", True)
    try:
        heap.settle()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
