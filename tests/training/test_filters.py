"""The corpus filters one at a time: repositories, quality reasons, duplicates, the split."""

from __future__ import annotations

from pathlib import Path

import pytest
from spcopilot.training.corpus import find_files, repository_of
from spcopilot.training.errors import DatasetError
from spcopilot.training.quality import judge

pytest.importorskip("numpy", reason="near-duplicate detection uses numpy (train extra)")
from spcopilot.training.dedup import exact_key, find_duplicates, minhash
from spcopilot.training.split import repository_split


def test_repositories_are_first_level_folders_or_a_git_checkout(tmp_path: Path) -> None:
    assert repository_of(tmp_path, Path("alpha/scripting/a.sp")) == (f"{tmp_path.name}/alpha", "scripting/a.sp")
    assert repository_of(tmp_path, Path("loose.sp")) == (tmp_path.name, "loose.sp")
    (tmp_path / ".git").mkdir()
    assert repository_of(tmp_path, Path("alpha/scripting/a.sp")) == (tmp_path.name, "alpha/scripting/a.sp")


def test_find_files_walks_sources_and_skips_hidden_folders(tmp_path: Path) -> None:
    (tmp_path / "repo" / "scripting").mkdir(parents=True)
    (tmp_path / "repo" / "scripting" / "a.sp").write_text("x")
    (tmp_path / "repo" / "b.inc").write_text("x")
    (tmp_path / "repo" / "notes.txt").write_text("x")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "c.sp").write_text("x")
    found = find_files([tmp_path])
    assert sorted(f.path for f in found) == ["b.inc", "scripting/a.sp"]
    assert {f.repo for f in found} == {f"{tmp_path.name}/repo"}


def test_find_files_rejects_missing_sources(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no such folder"):
        find_files([tmp_path / "nope"])
    with pytest.raises(DatasetError, match="no SOURCE"):
        find_files([])


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("l4d2-tank-tools/scripting/tank_hud.sp", ""),
        ("misc-plugins/map_vote_reminder.sp", ""),
        ("misc-plugins/tiny.sp", "too_small"),
        ("misc-plugins/broken_syntax.sp", "parse_errors"),
        ("misc-plugins/offsets_generated.sp", "generated"),
        ("l4d2-survivor-utils/scripting/include/survivor_utils.inc", "docs_only"),
    ],
)
def test_quality_reasons_on_the_corpus(corpus: Path, name: str, reason: str) -> None:
    assert judge((corpus / name).read_text(encoding="utf-8", errors="replace")) == reason


def test_garbled_text_is_dropped(corpus: Path) -> None:
    text = (corpus / "misc-plugins" / "garbled.sp").read_bytes().decode("utf-8", "replace")
    assert judge(text) == "garbled"
    minified = "public void OnPluginStart(){" + 'PrintToServer("x");' * 120 + "}"
    assert judge(minified) == "garbled"


def test_exact_duplicates_ignore_whitespace_only() -> None:
    a = "public void F()\n{\n    G();\n}\n"
    assert exact_key(a) == exact_key(a.replace("\n", "\r\n").replace("    ", "\t"))
    assert exact_key(a) != exact_key(a.replace("G()", "H()"))


def test_near_duplicates_are_found_and_distinct_plugins_kept(corpus: Path) -> None:
    original = (corpus / "l4d2-tank-tools/scripting/tank_rock_counter.sp").read_text()
    fork = (corpus / "mirror-tank-tools/rock_counter_fork.sp").read_text()
    other = (corpus / "l4d2-survivor-utils/scripting/revive_notify.sp").read_text()
    texts = [original, other, fork]
    found = find_duplicates([exact_key(t) for t in texts], [minhash(t) for t in texts], threshold=0.7)
    assert [(d.index, d.kept, d.kind) for d in found] == [(2, 0, "near")]
    assert 0.7 <= found[0].similarity < 1.0


def split_repositories(sizes: dict[str, int], fraction: float) -> set[str]:
    files = {repo: [(f"p{i}.sp", []) for i in range(n)] for repo, n in sizes.items()}
    return {key.split("/")[0] for key in repository_split(files, fraction).eval_keys}


def test_split_repository_holds_out_whole_repositories() -> None:
    sizes = {"a": 5, "b": 3, "c": 4, "d": 1, "e": 2}
    held = split_repositories(sizes, 0.2)
    assert held and held < set(sizes)
    assert sum(sizes[r] for r in held) >= 0.2 * sum(sizes.values())
    assert split_repositories({"only": 9}, 0.5) == set()
    assert split_repositories(sizes, 0.0) == set()
    assert len(split_repositories({"a": 1, "b": 1}, 0.9)) == 1  # never every repository
