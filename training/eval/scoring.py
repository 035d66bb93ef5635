"""Scoring one battery answer, raw or after the guard, with the engine (never a rule of our own).

- pass: every required entry present (any alternative), no forbidden pattern, the code parses
  (no tree-sitter ERROR/MISSING node; an empty answer does not parse) and no error-severity
  finding is left (after the guard, or in the raw code without it).
- wrong API: a finding of the catalogue's API, event and entity-prop families (SPC1xx, SPC2xx,
  SPC3xx: a function, event, event field or property that does not exist, or one used with the
  wrong accessor or prop type), any severity. The codes are read from the rule catalogue.
- security: a finding of the security family (SPC5xx), any severity.
- compiles (only when the user has SourcePawn's compiler): the compiler ran and reported no
  error. Kept apart from pass, so pass rates stay comparable between machines with and without
  a compiler: the compiler's findings never enter `errors`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from spcopilot.diagnostics.compiler import is_compiler_finding
from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.engine import lint
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.parsing import compile_query, parse
from spcopilot.diagnostics.rules import all_rules
from spcopilot.diagnostics.syntax import SyntaxProblem, syntax_problems
from spcopilot.server.ai.guard import Compile, GuardResult
from spcopilot.training.eval.battery import BatteryItem

WRONG_API_FAMILIES = ("api", "events", "entity-props")
SECURITY_FAMILY = "security"
GENERATED_PATH = "generated.sp"  # the name `spcopilot generate` lints an answer under


@cache
def wrong_api_codes() -> frozenset[str]:
    return frozenset(r.code for r in all_rules() if r.family in WRONG_API_FAMILIES)


@cache
def security_codes() -> frozenset[str]:
    return frozenset(r.code for r in all_rules() if r.family == SECURITY_FAMILY)


def without_comments(code: str) -> str:
    """The code with every comment replaced by a space (strings that hold `//` are kept)."""
    source = code.encode("utf-8")
    tree = parse(source)
    from tree_sitter import QueryCursor

    spans = sorted((n.start_byte, n.end_byte) for n in QueryCursor(compile_query("(comment) @c")).captures(
        tree.root_node).get("c", []))  # fmt: skip
    if not spans:
        return code
    out, last = bytearray(), 0
    for start, end in spans:
        out += source[last:start] + b" "
        last = end
    out += source[last:]
    return out.decode("utf-8", "replace")


@dataclass(slots=True)
class CodeScore:
    passed: bool
    parses: bool
    missing: list[str] = field(default_factory=list)  # required entries not met
    forbidden: list[str] = field(default_factory=list)  # forbidden patterns present
    errors: list[str] = field(default_factory=list)  # error-severity codes left ("syntax" for parse errors)
    wrong_api: list[str] = field(default_factory=list)
    security: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)  # what the guard's safe fixes repaired
    repaired_by_model: bool = False
    compiles: bool | None = None  # None: no compiler; False also when the compiler could not run

    def to_json(self) -> dict[str, object]:
        return {
            "passed": self.passed,
            "parses": self.parses,
            "missing": self.missing,
            "forbidden": self.forbidden,
            "errors": self.errors,
            "wrong_api": self.wrong_api,
            "security": self.security,
            "fixed": self.fixed,
            "repaired_by_model": self.repaired_by_model,
            "compiles": self.compiles,
        }


def score_code(
    item: BatteryItem,
    code: str,
    findings: list[Diagnostic],
    syntax: list[SyntaxProblem],
    fixed: list[Diagnostic] | None = None,
    repaired_by_model: bool = False,
    compiles: bool | None = None,
) -> CodeScore:
    findings = [d for d in findings if not is_compiler_finding(d)]
    parses = bool(code.strip()) and not syntax
    plain = without_comments(code)
    missing, forbidden = item.missing(plain), item.forbidden_found(plain)
    errors = sorted({d.code for d in findings if d.severity == Severity.ERROR})
    if not parses:
        errors.append("syntax")
    codes = {d.code for d in findings}
    return CodeScore(
        passed=parses and not missing and not forbidden and not errors,
        parses=parses,
        missing=missing,
        forbidden=forbidden,
        errors=errors,
        wrong_api=sorted(codes & wrong_api_codes()),
        security=sorted(codes & security_codes()),
        fixed=sorted({d.code for d in fixed or ()}),
        repaired_by_model=repaired_by_model,
        compiles=compiles,
    )


def score_raw(item: BatteryItem, code: str, config: Config | None, compile: Compile | None = None) -> CodeScore:
    """The answer as the model wrote it: linted (and compiled), nothing fixed."""
    source = code.encode("utf-8")
    tree = parse(source)
    compiles = None
    if compile is not None:
        compiled = compile(code)
        compiles = not compiled.problem and compiled.errors == 0
    findings = lint(source, GENERATED_PATH, config, tree=tree)
    return score_code(item, code, findings, syntax_problems(tree, source), compiles=compiles)


def score_guarded(item: BatteryItem, result: GuardResult, compiler_present: bool = False) -> CodeScore:
    compiles = bool(result.compiled) if compiler_present else None
    return score_code(item, result.code, result.remaining, result.syntax, result.fixed, result.repaired_by_model,
                      compiles)  # fmt: skip
