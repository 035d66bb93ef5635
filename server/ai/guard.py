"""The guard: every piece of model output passes the engine before anyone sees it.

    code → parse → lint → apply safe fixes (until stable) → if error-severity findings or syntax
    errors remain and a repair model is given: one repair round (the findings in the prompt) →
    lint and fix again → code + remaining findings + what was repaired.

Shared by the LSP commands, inline completion, `spcopilot generate`, the dataset sanitiser and the
evaluation battery: none of them lints on its own. Known wrong APIs are never delivered
silently: what the guard cannot fix is in `remaining`, and callers show it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.fixes import fix_until_stable
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.parsing import Tree, parse
from spcopilot.diagnostics.syntax import SyntaxProblem, syntax_problems

Lint = Callable[[bytes, Tree], list[Diagnostic]]
# A repair model: (code, findings as text) -> new code, or None when it gave nothing usable.
Repair = Callable[[str, str], "str | None"]
__all__ = ["GuardResult", "SyntaxProblem", "describe", "guard", "syntax_problems"]


@dataclass(slots=True)
class GuardResult:
    code: str
    remaining: list[Diagnostic] = field(default_factory=list)
    fixed: list[Diagnostic] = field(default_factory=list)  # findings the engine's safe fixes repaired
    syntax: list[SyntaxProblem] = field(default_factory=list)
    repaired_by_model: bool = False  # a repair round ran and its answer was kept
    original: str = ""

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.remaining if d.severity == Severity.ERROR]

    @property
    def clean(self) -> bool:
        """No syntax error and no error-severity finding left."""
        return not self.syntax and not self.errors

    def summary(self) -> str:
        """One line for a status message: what was fixed, what is left."""
        parts = []
        if self.fixed:
            parts.append("fixed " + ", ".join(sorted({d.code for d in self.fixed})))
        if self.repaired_by_model:
            parts.append("repaired by the model")
        if self.syntax:
            parts.append(f"{len(self.syntax)} syntax error(s)")
        if self.remaining:
            parts.append("left: " + ", ".join(sorted({d.code for d in self.remaining})))
        return "; ".join(parts) or "clean"

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "clean": self.clean,
            "remaining": [d.to_json() for d in self.remaining],
            "fixed": [{"code": d.code, "message": d.message} for d in self.fixed],
            "syntax": [s.to_json() for s in self.syntax],
            "repaired_by_model": self.repaired_by_model,
        }


def describe(diagnostics: list[Diagnostic], syntax: list[SyntaxProblem]) -> str:
    """The findings as the repair prompt shows them: one line each, 1-based lines."""
    lines = [f"line {s.line + 1}: {s.message}" for s in syntax]
    lines += [f"line {d.range.start.line + 1}: {d.code} {d.message}" for d in diagnostics]
    return "\n".join(lines)


def default_lint(config: Config | None = None, path: str = "generated.sp") -> Lint:
    from spcopilot.diagnostics.engine import lint

    return lambda source, tree: lint(source, path, config, tree=tree)


def _check(source: bytes, lint: Lint) -> tuple[bytes, list[Diagnostic], list[Diagnostic], list[SyntaxProblem]]:
    result = fix_until_stable(source, lambda data: lint(data, parse(data)))
    tree = parse(result.source)
    return result.source, list(result.applied), lint(result.source, tree), syntax_problems(tree, result.source)


def guard(code: str, lint: Lint | None = None, repair: Repair | None = None) -> GuardResult:
    """Check, fix and (when `repair` is given and errors remain) repair generated code once."""
    lint = lint or default_lint()
    source, fixed, remaining, syntax = _check(code.encode("utf-8"), lint)
    result = GuardResult(source.decode("utf-8", "replace"), remaining, fixed, syntax, original=code)
    if result.clean or repair is None:
        return result
    answer = repair(result.code, describe(result.errors, syntax))
    if not answer or not answer.strip():
        return result
    source2, fixed2, remaining2, syntax2 = _check(answer.encode("utf-8"), lint)
    score = (len(syntax2), sum(d.severity == Severity.ERROR for d in remaining2))
    if score >= (len(syntax), len(result.errors)):
        return result  # the repair made nothing better: keep the engine-fixed original
    return GuardResult(source2.decode("utf-8", "replace"), remaining2, fixed + fixed2, syntax2, True, code)
