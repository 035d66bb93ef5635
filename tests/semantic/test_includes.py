"""Include resolution as the compiler does it (one resolver: include_index.include_candidates)."""

from __future__ import annotations

from pathlib import Path

from spcopilot.diagnostics.include_index import IncludeIndex, include_candidates
from spcopilot.diagnostics.include_symbols import IncludeRef


def test_quoted_looks_in_the_plugin_folder_then_next_to_the_file_then_the_include_folders() -> None:
    found = list(include_candidates("x", False, Path("/p/parts"), Path("/p"), [Path("/inc")]))
    assert found[:4] == [Path("/p/x"), Path("/p/x.inc"), Path("/p/x.p"), Path("/p/x.pawn")]
    assert found[4:8] == [Path("/p/parts/x"), Path("/p/parts/x.inc"), Path("/p/parts/x.p"), Path("/p/parts/x.pawn")]
    assert found[8:] == [Path("/inc/x"), Path("/inc/x.inc"), Path("/inc/x.p"), Path("/inc/x.pawn")]


def test_angle_brackets_look_only_in_the_include_folders() -> None:
    found = list(include_candidates("sdk/x", True, Path("/p"), Path("/p"), [Path("/a"), Path("/b")]))
    assert found[0] == Path("/a/sdk/x") and found[4] == Path("/b/sdk/x") and len(found) == 8


def test_no_sp_is_appended(tmp_path: Path) -> None:
    (tmp_path / "part.sp").write_text("int a;\n")
    index = IncludeIndex([], cache_dir=tmp_path / "cache")
    plugin = tmp_path / "main.sp"
    assert index.resolve(IncludeRef("part", False), plugin) is None  # spcomp does not try .sp
    assert index.resolve(IncludeRef("part.sp", False), plugin) == tmp_path / "part.sp"


def test_a_nested_quoted_include_is_found_from_the_plugin_folder(tmp_path: Path) -> None:
    """`#include "lib/b.sp"` inside lib/a.sp works when the compiler runs in the plugin's folder."""
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "a.sp").write_text('#include "lib/b.sp"\n')
    (tmp_path / "lib" / "b.sp").write_text("int from_b;\n")
    index = IncludeIndex([], cache_dir=tmp_path / "cache")
    scope = index.scope(tmp_path / "main.sp", [IncludeRef("lib/a.sp", False)])
    assert [p.name for p in scope.files] == ["a.sp", "b.sp"] and scope.defines("from_b")


def test_a_spared_file_is_never_bound_from_disk(tmp_path: Path) -> None:
    """The server's quarantine (a file that took it down) reaches the workspace index: it does not
    parse that file from disk either, while other files still are."""
    from spcopilot.diagnostics.semantic.workspace import Workspace

    bad, good = tmp_path / "bad.sp", tmp_path / "good.sp"
    bad.write_text("int a;\n")
    good.write_text("int b;\n")
    index = IncludeIndex([], cache_dir=tmp_path / "cache")
    workspace = Workspace(lambda path: index, tmp_path, spared=lambda path: path == str(bad))
    assert workspace.index_of(str(bad)) is None
    assert workspace.index_of(str(good)) is not None
