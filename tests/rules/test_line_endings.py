"""Fixes keep the file's line endings: every rule fixture written with CRLF, and with mixed
endings, fixed as `spcopilot check --fix --unsafe-fixes` does, gives its `.fixed.sp` written the
same way (issue 15: SPC401's callback rewrite inserted LF-only lines into a CRLF file); the
editor's quick fixes and fix-all carry the same edits."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from spcopilot.diagnostics import Config
from spcopilot.diagnostics.checker import check_paths
from spcopilot.diagnostics.fixes import apply_edits
from spcopilot.diagnostics.linter import Linter
from spcopilot.diagnostics.model import Edit
from spcopilot.diagnostics.rules import all_rules
from spcopilot.server.features.code_actions import fix_all, quick_fixes

from .fixture import FIXTURES, load
from .test_rule_fixtures import write

FIXABLE = [r.code for r in all_rules() if r.fixable]


def mixed(text: str) -> str:
    """Every other line CRLF (the first one included), the rest LF."""
    lines = text.split("\n")
    return "".join(line + ("\r\n" if i % 2 == 0 else "\n") for i, line in enumerate(lines[:-1])) + lines[-1]


def lines_with_endings(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def fixed_by_check(fixture_code: str, main_text: str, tmp_path: Path) -> tuple[Path, bytes]:
    fixture = load(FIXTURES / f"{fixture_code}.sp")
    main = write(fixture, tmp_path)
    main.write_bytes(main_text.encode("utf-8"))
    config = Config(select=fixture.rules, include_dirs=(tmp_path / "include",))
    [result] = check_paths([main], config, fix=True, unsafe=True, jobs=1)
    assert not result.error and result.fixed, f"{fixture_code}: nothing fixed"
    return main, main.read_bytes()


@pytest.mark.parametrize("code", FIXABLE)
def test_a_crlf_file_stays_crlf(code: str, tmp_path: Path) -> None:
    lf = load(FIXTURES / f"{code}.sp").main
    _, got = fixed_by_check(code, lf.replace("\n", "\r\n"), tmp_path)
    expected = (FIXTURES / f"{code}.fixed.sp").read_text(encoding="utf-8").replace("\n", "\r\n")
    assert got.decode() == expected


@pytest.mark.parametrize("code", FIXABLE)
def test_each_line_of_a_mixed_file_keeps_its_ending(code: str, tmp_path: Path) -> None:
    before = mixed(load(FIXTURES / f"{code}.sp").main).encode()
    _, got = fixed_by_check(code, before.decode(), tmp_path)
    assert got.replace(b"\r\n", b"\n") == (FIXTURES / f"{code}.fixed.sp").read_bytes()
    old, new = lines_with_endings(before), lines_with_endings(got)
    matcher = difflib.SequenceMatcher(None, [x.rstrip(b"\r\n") for x in old], [x.rstrip(b"\r\n") for x in new])
    for tag, i1, i2, j1, _ in matcher.get_opcodes():
        if tag == "equal":
            assert new[j1 : j1 + i2 - i1] == old[i1:i2], "an untouched line changed its ending"
    # A line a fix inserted takes the ending of a line next to it, never a third kind.
    assert all(x.endswith((b"\r\n", b"\n")) or x is new[-1] for x in new)


@pytest.mark.parametrize("code", FIXABLE)
def test_the_editors_fixes_keep_crlf(code: str, tmp_path: Path) -> None:
    fixture = load(FIXTURES / f"{code}.sp")
    main = write(fixture, tmp_path)
    source = fixture.main.replace("\n", "\r\n").encode()
    linter = Linter(Config(select=fixture.rules, include_dirs=(tmp_path / "include",)), cache_dir=tmp_path / ".cache")
    found = linter.lint_source(source, main)
    actions = quick_fixes(found)
    assert actions, f"{code}: no quick fix offered on the CRLF fixture"
    for action in actions:
        edited = apply_edits(source, [Edit(s, e, t, None) for s, e, t in action.edits])  # type: ignore[arg-type]
        assert b"\n" not in edited.replace(b"\r\n", b""), f"{action.title}: a bare LF in a CRLF file"
    whole = fix_all(source, lambda data: linter.lint_source(data, main))
    if whole is not None:
        [(s, e, t)] = whole.edits
        edited = apply_edits(source, [Edit(s, e, t, None)])  # type: ignore[arg-type]
        assert b"\n" not in edited.replace(b"\r\n", b""), "fix-all put a bare LF in a CRLF file"
