"""The guard: every piece of model output passes the engine before anyone sees it.

    code → parse → lint → apply fixes, unsafe ones too (until stable) → compile (when the user has
    SourcePawn's compiler) → if findings at warning or error severity (none of them with a fix
    left), compile errors or syntax errors remain and a repair model is given: one repair round (all of them in the prompt) → lint, fix and
    compile again → code + remaining findings + what was repaired.

Generated code is not yet the user's: the guard applies the engine's unsafe fixes to it as well
(`SDKHooks_TakeDamage` for an invented `TakeDamage`, `RegAdminCmd` for a console command that
slays other players), each reported as a change (`fixed`, with its title and `unsafe`) for the
user to review. What has no deterministic fix goes to the repair round. (The dataset sanitiser,
which guards people's code, passes `unsafe_fixes=False`.)

The compiler's findings join the remaining ones (a compiler error that repeats one of ours is
dropped, see diagnostics/compiler/findings.py). A compiler that cannot run is reported in
`compile_problem` and the guard goes on with the rules alone. Inline completions and the
at-cursor snippet guard do not compile (a compile per suggestion is too slow).

Shared by the LSP commands, inline completion, `spcopilot generate`, the dataset sanitiser and the
evaluation battery: none of them lints on its own. Known wrong APIs are never delivered
silently: what the guard cannot fix is in `remaining`, and callers show it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from spcopilot.diagnostics.compiler.findings import without_duplicates
from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.fixes import fix_until_stable
from spcopilot.diagnostics.model import Applicability, Diagnostic, Severity
from spcopilot.diagnostics.parsing import Tree, parse
from spcopilot.diagnostics.syntax import SyntaxProblem, syntax_problems

Lint = Callable[[bytes, Tree], list[Diagnostic]]
# A repair model: (code, findings as text) -> new code, or None when it gave nothing usable.
Repair = Callable[[str, str], "str | None"]
__all__ = ["Compiled", "GuardResult", "SyntaxProblem", "default_compile", "describe", "guard", "syntax_problems"]


@dataclass(slots=True)
class Compiled:
    """What the compiler said about a piece of code: its findings, or why it could not run."""

    findings: list[Diagnostic] = field(default_factory=list)  # on the code itself
    problem: str = ""
    errors_elsewhere: int = 0  # errors the compiler reported in included files

    @property
    def errors(self) -> int:
        return sum(d.severity == Severity.ERROR for d in self.findings) + self.errors_elsewhere


# A compile check: code -> what the compiler said.
Compile = Callable[[str], Compiled]


@dataclass(slots=True)
class GuardResult:
    code: str
    remaining: list[Diagnostic] = field(default_factory=list)
    fixed: list[Diagnostic] = field(default_factory=list)  # findings the engine's fixes repaired (safe or unsafe)
    syntax: list[SyntaxProblem] = field(default_factory=list)
    repaired_by_model: bool = False  # a repair round ran and its answer was kept
    original: str = ""
    compiled: bool | None = None  # None: not compiled; True: the compiler reported no error
    compile_problem: str = ""  # the compiler could not run (crashed, timed out…)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.remaining if d.severity == Severity.ERROR]

    @property
    def to_repair(self) -> list[Diagnostic]:
        """What the repair round is asked to fix: the findings at warning or error severity that
        are left after every fix the engine has (none applied to them)."""
        return [d for d in self.remaining if d.severity <= Severity.WARNING]

    @property
    def clean(self) -> bool:
        """No syntax error and no error-severity finding left."""
        return not self.syntax and not self.errors

    def summary(self) -> str:
        """One line for a status message: what was fixed, what is left."""
        parts = []
        if self.fixed:
            parts.append("fixed " + ", ".join(sorted({d.code for d in self.fixed})))
            unsafe = sorted({d.code for d in self.fixed if is_unsafe(d)})
            if unsafe:
                parts.append("review the unsafe fixes of " + ", ".join(unsafe))
        if self.repaired_by_model:
            parts.append("repaired by the model")
        if self.syntax:
            parts.append(f"{len(self.syntax)} syntax error(s)")
        if self.compiled is not None:
            parts.append("compiles" if self.compiled else "does not compile")
        if self.remaining:
            parts.append("left: " + ", ".join(sorted({d.code for d in self.remaining})))
        return "; ".join(parts) or "clean"

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "clean": self.clean,
            "remaining": [d.to_json() for d in self.remaining],
            "fixed": [fixed_json(d) for d in self.fixed],
            "syntax": [s.to_json() for s in self.syntax],
            "repaired_by_model": self.repaired_by_model,
            "compiled": self.compiled,
            **({"compile_problem": self.compile_problem} if self.compile_problem else {}),
        }


def is_unsafe(d: Diagnostic) -> bool:
    return d.fix is not None and d.fix.applicability == Applicability.UNSAFE


def fixed_json(d: Diagnostic) -> dict[str, object]:
    """One change the guard made: the finding, what the fix did, and whether it was unsafe."""
    return {"code": d.code, "message": d.message, "change": d.fix.title if d.fix else "", "unsafe": is_unsafe(d)}


def describe(diagnostics: list[Diagnostic], syntax: list[SyntaxProblem]) -> str:
    """The findings as the repair prompt shows them: one line each, 1-based lines."""
    lines = [f"line {s.line + 1}: {s.message}" for s in syntax]
    lines += [f"line {d.range.start.line + 1}: {d.code} {d.message}" for d in diagnostics]
    return "\n".join(lines)


def default_lint(config: Config | None = None, path: str = "generated.sp") -> Lint:
    from spcopilot.diagnostics.engine import lint

    return lambda source, tree: lint(source, path, config, tree=tree)


def default_compile(config: Config | None = None, path: str = "generated.sp") -> Compile | None:
    """A compile check with the user's compiler (found as `spcopilot check --compile` finds
    it), or None when there is none. The code is compiled from a temp copy as `path` alone."""
    from spcopilot.diagnostics.compiler import CompileCheck

    check = CompileCheck(config)
    if check.compiler is None:
        return None

    def compile_code(code: str) -> Compiled:
        report = check.check(Path(path), code.encode("utf-8"), standalone=True)
        found = [replace(d, path=path) for d in report.diagnostics]
        elsewhere = sum(
            d.severity == Severity.ERROR for f, ds in report.by_file.items() if f != str(report.path) for d in ds
        )
        return Compiled(found, "; ".join(report.problems), elsewhere)

    return compile_code


@dataclass(slots=True)
class _Checked:
    source: bytes
    fixed: list[Diagnostic]
    remaining: list[Diagnostic]
    syntax: list[SyntaxProblem]
    compiled: Compiled | None

    def result(self, original: str, fixed: list[Diagnostic], repaired: bool) -> GuardResult:
        problem = self.compiled.problem if self.compiled else ""
        passed = None if self.compiled is None or problem else self.compiled.errors == 0
        return GuardResult(self.source.decode("utf-8", "replace"), self.remaining, fixed, self.syntax, repaired,
                           original, passed, problem)  # fmt: skip


def _check(source: bytes, lint: Lint, compile_code: Compile | None, unsafe: bool) -> _Checked:
    result = fix_until_stable(source, lambda data: lint(data, parse(data)), unsafe=unsafe)
    tree = parse(result.source)
    remaining = lint(result.source, tree)
    compiled = compile_code(result.source.decode("utf-8", "replace")) if compile_code is not None else None
    if compiled is not None and not compiled.problem:
        remaining += without_duplicates(compiled.findings, remaining, lambda _: result.source)
    return _Checked(result.source, list(result.applied), remaining, syntax_problems(tree, result.source), compiled)


def guard(
    code: str,
    lint: Lint | None = None,
    repair: Repair | None = None,
    compile: Compile | None = None,
    unsafe_fixes: bool = True,
) -> GuardResult:
    """Check, fix (unsafe fixes too unless `unsafe_fixes` is off), compile (with `compile`) and
    (when `repair` is given and syntax errors, errors or warnings remain) repair generated code
    once; the repair is kept only when it leaves fewer (syntax errors, then errors, then warnings)."""
    lint = lint or default_lint()
    first = _check(code.encode("utf-8"), lint, compile, unsafe_fixes)
    result = first.result(code, first.fixed, False)
    if repair is None or not (result.syntax or result.to_repair):
        return result
    answer = repair(result.code, describe(result.to_repair, first.syntax))
    if not answer or not answer.strip():
        return result
    second = _check(answer.encode("utf-8"), lint, compile, unsafe_fixes)
    if _score(second.syntax, second.remaining) >= _score(first.syntax, first.remaining):
        return result  # the repair made nothing better: keep the engine-fixed original
    if _functions(second.source) < _functions(first.source):
        return result  # fewer findings because code was dropped (an empty or cut answer) is no repair
    return second.result(code, first.fixed + second.fixed, True)


def _functions(source: bytes) -> int:
    """Top-level function definitions: a repair must keep them (it fixes, it does not delete)."""
    return sum(child.type == "function_definition" for child in parse(source).root_node.children)


def _score(syntax: list[SyntaxProblem], remaining: list[Diagnostic]) -> tuple[int, int, int]:
    return (len(syntax), sum(d.severity == Severity.ERROR for d in remaining),
            sum(d.severity == Severity.WARNING for d in remaining))  # fmt: skip
