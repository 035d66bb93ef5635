"""The guard with the user's compiler (the stand-in, tests/spcomp_standin.py): compile errors
are reported with the rule findings, fed into the one repair round, and a broken compiler
leaves the guard working on the rules alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from spcopilot.diagnostics.config import Config
from spcopilot.server.ai.guard import default_compile, default_lint, guard

GOOD = """#include <sourcemod>

public void OnPluginStart()
{
    PrintToServer("%d", GetRandomInt(1, 6));
}
"""
DOES_NOT_COMPILE = GOOD.replace(
    'PrintToServer("%d", GetRandomInt(1, 6));',
    'PrintToServer("%d", GetRandomInt(1, 6))  // standin: error 001: expected token: ";", but found "}"',
)
WRONG_API_TOO = DOES_NOT_COMPILE.replace("GetRandomInt(", "RandomInt(")


@pytest.fixture
def with_sourcemod(spcomp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The compiler's own include folder, as in a SourceMod install, and a clean working folder."""
    (spcomp.path.parent / "include").mkdir(exist_ok=True)
    (spcomp.path.parent / "include" / "sourcemod.inc").write_text(
        "native void PrintToServer(const char[] f, any ...);\n"
    )
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")


def test_compile_errors_are_reported_and_the_code_does_not_compile(with_sourcemod):
    result = guard(DOES_NOT_COMPILE, default_lint(), compile=default_compile())
    assert result.compiled is False and not result.clean
    [error] = result.errors
    assert (error.code, error.path, error.range.start.line) == ("spcomp-001", "generated.sp", 4)
    assert "does not compile" in result.summary()
    assert result.to_json()["compiled"] is False


def test_the_repair_round_sees_the_compile_errors_and_its_answer_is_compiled(with_sourcemod):
    asked: list[str] = []

    def repair(code: str, findings: str) -> str:
        asked.append(findings)
        return GOOD

    result = guard(WRONG_API_TOO, default_lint(), repair, default_compile())
    [findings] = asked  # SPC101 (RandomInt) was fixed by the engine before the repair round
    assert findings == 'line 5: spcomp-001 expected token: ";", but found "}"'
    assert [d.code for d in result.fixed] == ["SPC101"]
    assert result.repaired_by_model and result.compiled is True and result.clean
    assert result.code == GOOD


def test_a_compiler_error_that_repeats_a_rule_finding_is_left_out(with_sourcemod):
    code = GOOD.replace(
        "GetRandomInt(1, 6));", 'RandomInt(1, 6));  // standin: error 017: undefined symbol "RandomInt"'
    )
    result = guard(code, default_lint(), compile=default_compile())
    # the safe fix rewrote RandomInt -> GetRandomInt; the recompiled code still carries the marker
    assert result.fixed and {d.code for d in result.remaining} == {"spcomp-017"}
    unfixable = GOOD.replace("GetRandomInt(1, 6));", 'Foo(1, 6));  // standin: error 017: undefined symbol "Foo"')
    assert {d.code for d in guard(unfixable, default_lint(), compile=default_compile()).remaining} == {"spcomp-017"}


def test_a_crashing_compiler_leaves_the_rules(with_sourcemod, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("STANDIN_MODE", "crash")
    result = guard(GOOD.replace("GetRandomInt(", "RandomInt("), default_lint(), compile=default_compile())
    assert result.compiled is None and "crashed (SIGSEGV)" in result.compile_problem
    assert result.clean and result.fixed  # the engine's fix still applied
    assert result.to_json()["compile_problem"] == result.compile_problem


def test_without_a_compiler_there_is_no_compile_step(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert default_compile(Config()) is None
    assert guard(GOOD, default_lint()).compiled is None
