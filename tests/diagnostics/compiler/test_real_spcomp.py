"""With a real SourcePawn compiler on PATH (none comes from the package registries, so CI skips
this with the reason shown; reference/platform.md says how to build one, with SourceMod's
includes in `include/` next to it as in a SourceMod install):

- the bundled examples compile and every line printed is understood;
- our fixture plugins compiled through `compile_plugin` now give what the recorded run of the
  same compiler version gave (fixtures/recorded), on the same lines and columns;
- `CompileCheck` fails exactly the plugins the compiler fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from spcopilot.diagnostics.compiler import CompileCheck, find_compiler
from spcopilot.diagnostics.compiler.output import parse_output
from spcopilot.diagnostics.compiler.run import compile_plugin
from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.model import Severity

from tests.diagnostics.compiler.recordings import FIXTURES, our_plugins, recorded_sets

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


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("real-spcomp")
    shutil.copytree(FIXTURES / "plugins", root / "plugins")
    shutil.copytree(FIXTURES / "vendor-include", root / "vendor-include")
    return root


def _messages(output: str, roots: dict[str, str]) -> list[tuple]:
    for folder, name in roots.items():
        output = output.replace(folder, f"<{name}>")
    return [(m.path, m.line, m.kind, m.number, m.text, m.caret) for m in parse_output(output).messages]


def test_our_plugins_give_what_was_recorded_for_this_version(workspace: Path) -> None:
    assert FOUND.compiler is not None
    recorded = next(
        (s for s in recorded_sets() if s.banner == FOUND.compiler.banner and s.folder.name.startswith("spcomp")), None
    )
    if recorded is None:
        pytest.skip(
            f"no recording for {FOUND.compiler.banner} (recorded: {', '.join(s.banner for s in recorded_sets())})"
        )
    now_roots = {str(workspace / "plugins"): "plugins", str(workspace / "vendor-include"): "vendor-include"}
    by_source = {r.source: r for r in recorded.runs()}
    plugins_then = next(folder for folder, name in recorded.roots.items() if name == "plugins")
    for plugin in our_plugins(workspace / "plugins"):
        run = compile_plugin(FOUND.compiler, plugin, include_dirs=[workspace / "vendor-include"])
        then = by_source[str(plugin).replace(str(workspace / "plugins"), plugins_then)]
        assert run.returncode == then.exit_code, plugin
        assert _messages(run.output, now_roots) == _messages(then.output, recorded.roots), plugin


def test_the_compile_check_fails_exactly_the_plugins_the_compiler_fails(workspace: Path) -> None:
    assert FOUND.compiler is not None
    check = CompileCheck(Config(include_dirs=(workspace / "vendor-include",)), workspace=[workspace / "plugins"])
    for plugin in our_plugins(workspace / "plugins"):
        run = compile_plugin(FOUND.compiler, plugin, include_dirs=[workspace / "vendor-include"])
        report = check.check(plugin, standalone=True)
        errors = [d for found in report.by_file.values() for d in found if d.severity is Severity.ERROR]
        assert report.compiled and bool(errors) == (run.returncode != 0), plugin
