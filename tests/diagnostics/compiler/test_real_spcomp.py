"""With a real SourcePawn compiler on PATH (none can be installed on these machines, so this
is skipped here, with the reason shown): the bundled examples compile, and every line it prints
is either a message we read or known noise."""

from __future__ import annotations

from pathlib import Path

import pytest
from spcopilot.diagnostics.compiler import CompileCheck, find_compiler
from spcopilot.diagnostics.compiler.output import parse_output
from spcopilot.diagnostics.compiler.run import compile_plugin

EXAMPLES = sorted((Path(__file__).resolve().parents[3] / "examples").glob("*.sp"))
FOUND = find_compiler()

pytestmark = pytest.mark.skipif(FOUND.compiler is None, reason=f"needs SourceMod's spcomp on PATH ({FOUND.describe()})")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_an_example_compiles_and_its_output_is_understood(example: Path) -> None:
    assert FOUND.compiler is not None
    run = compile_plugin(FOUND.compiler, example)
    assert run.ok, run.problem
    assert parse_output(run.output).unrecognised == [], run.output
    report = CompileCheck().check(example)
    assert report.compiled and str(example) in report.by_file
