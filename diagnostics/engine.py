"""The engine: parse -> one query pass for every active rule -> diagnostics.

`lint(text, path, config)` is the one entry point the editor, the generation guard, the
dataset sanitiser and the evaluation battery share.

Hostile input (issue 15). Time is linear in the input's size, whatever its nesting or line
length (matching.py, semantics.enclosing_function; bench/scaling.py). An analysis can be stopped:
`lint(..., budget=Budget(seconds))` (budget.py) checks a deadline and a cancel flag in the
parse's progress callback, between query cursors and before every rule call, and raises
AnalysisStopped. What no in-process guard can stop is a grammar scanner stuck in its own C loop:
measured with the unpatched grammar, `parse(b"#define X /*")` in a thread never called the
progress callback, and the main thread made no progress at all for 10 s (tree-sitter's parse
holds the GIL), so neither a budget nor a watchdog thread nor the server's worker threads can
end it; a crash (the U+10FFFF SIGSEGV) takes the process down. Hence:
- the grammar's two known defects are patched at the root (diagnostics/grammar/patches), with
  regression tests and a hypothesis property run in child processes, and bench/fuzz_grammar.py
  (mutated real plugins: 0 hangs, 0 crashes in 50,000 inputs after the patches, README);
- `spcopilot check` runs every file in a supervised child (supervised.py) under a CPU-time limit
  enforced by the kernel: a stuck or crashing file is named and the run goes on;
- the editor parses in process: it re-parses incrementally (~1.2 ms per keystroke at 10,000
  lines), whereas a child would need a full parse of every version (34 ms at 10,000 lines, on top
  of a 0.6 ms round trip for 400 KB, measured with supervised.Worker), ~10x the keystroke budget,
  for defects that the patches, the fuzzing and the tests are there to keep out; what is left is
  the server's to catch as a whole (a supervising process above it). For the REST API, where a
  request's cost is already a full parse, a supervised child is cheap (the same Worker).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from spcopilot.diagnostics.budget import AnalysisStopped, Budget
from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.context import Context, SymbolScope
from spcopilot.diagnostics.knowledge.events import EventCatalogue
from spcopilot.diagnostics.matching import matches, pattern_roots
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.parsing import language, parse
from spcopilot.diagnostics.rules import all_rules
from spcopilot.diagnostics.rules.base import ALL_GAMES, Rule
from spcopilot.diagnostics.semantics import MODEL_CALLS, MODEL_QUERY, FileModel, ModelBuilder, StaleNode, call_pattern
from spcopilot.diagnostics.suppression import Suppressions, parse_suppressions
from spcopilot.diagnostics.text import LineIndex
from tree_sitter import Node, Query, QueryCursor, Tree

log = logging.getLogger(__name__)
# Tests set SPCOPILOT_STRICT=1 so a crashing rule fails loudly instead of being skipped.
_STRICT = os.environ.get("SPCOPILOT_STRICT") == "1"


@dataclass(frozen=True, slots=True)
class CompiledRules:
    """The one query a lint runs: the file model's patterns, one call pattern for every callee
    a rule (or the model) subscribes to, and the rules' structural patterns (identical
    patterns shared). Compiled once per set of active rules."""

    query: Query
    model_patterns: int  # patterns [0, model_patterns) feed the file model
    call_pattern: int  # the index of the call pattern
    owners: tuple[tuple[Rule, ...], ...]  # pattern index -> rules whose `check` gets the match
    by_callee: dict[str, tuple[Rule, ...]]  # callee name -> rules that subscribed to it
    call_queries: dict[str, Query]  # rule code -> its call_query, run on its subscribed calls
    roots: frozenset[str] | None  # the node types the patterns start at (matching.py)


def _patterns(query_text: str) -> list[str]:
    """A query's patterns as separate texts (so identical ones can be shared)."""
    q = Query(language(), query_text)
    return [query_text[q.start_byte_for_pattern(i) : q.end_byte_for_pattern(i)].strip() for i in range(q.pattern_count)]


@cache
def compile_rules(codes: tuple[str, ...]) -> CompiledRules:
    rules = [r for r in all_rules() if r.code in codes]
    model_texts = _patterns(MODEL_QUERY)
    by_callee: dict[str, list[Rule]] = {}
    for rule in rules:
        for name in rule.calls:
            by_callee.setdefault(name, []).append(rule)
    structural: dict[str, list[Rule]] = {}
    for rule in rules:
        if rule.query.strip():
            for text in _patterns(rule.query):
                structural.setdefault(text, []).append(rule)
    texts = [*model_texts, call_pattern(MODEL_CALLS | set(by_callee)), *structural]
    owners: list[tuple[Rule, ...]] = [()] * (len(model_texts) + 1) + [tuple(v) for v in structural.values()]
    return CompiledRules(
        query=Query(language(), "\n".join(texts)),
        model_patterns=len(model_texts),
        call_pattern=len(model_texts),
        owners=tuple(owners),
        by_callee={k: tuple(v) for k, v in by_callee.items()},
        call_queries={r.code: Query(language(), r.call_query) for r in rules if r.call_query.strip()},
        roots=pattern_roots(texts),
    )


@cache
def _enabled(select: tuple[str, ...], ignore: tuple[str, ...]) -> tuple[Rule, ...]:
    config = Config(select=select, ignore=ignore)
    return tuple(r for r in all_rules() if config.enabled(r.code))


def enabled_rules(config: Config) -> tuple[Rule, ...]:
    return _enabled(config.select, config.ignore)


def active_rules(config: Config, ctx: Context | None = None) -> list[Rule]:
    rules = list(enabled_rules(config))
    if ctx is not None and any(r.games != ALL_GAMES for r in rules):
        game = ctx.game.game
        rules = [r for r in rules if game in r.games]
    return rules


def lint(
    text: str | bytes,
    path: str = "",
    config: Config | None = None,
    *,
    tree: Tree | None = None,
    scope: SymbolScope | Callable[[FileModel], SymbolScope] | None = None,
    events: EventCatalogue | None = None,
    lines: LineIndex | None = None,
    budget: Budget | None = None,
) -> list[Diagnostic]:
    """Lint one SourcePawn file. `tree` may be a tree already parsed from `text` (the LSP's
    incrementally re-parsed tree), `lines` its line index; `scope` answers which names the
    file's includes define; `budget` (a deadline, a cancel flag) is checked while parsing,
    querying and between rule calls: AnalysisStopped when it runs out. (The editor lints through
    incremental.IncrementalLint, which returns the same, faster after an edit.)"""
    source = text.encode("utf-8") if isinstance(text, str) else text
    if not source.isascii() and not is_utf8(source):
        # Invalid bytes read as U+FFFD, as `spcopilot check` reads files (the query's text
        # predicates decode UTF-8 strictly); offsets then refer to the repaired text.
        source, tree, lines = source.decode("utf-8", "replace").encode("utf-8"), None, None
    config = config or Config()
    tree = tree or parse(source, budget=budget)
    ctx = Context(source, tree, path, config, events, scope)
    ctx.budget = budget
    if lines is not None:
        ctx.__dict__["lines"] = lines  # fills the Context.lines cached property
    enabled = enabled_rules(config)
    compiled = compile_rules(tuple(r.code for r in enabled))

    # One pass over the tree; the model is complete before any rule looks at a match.
    builder = ModelBuilder(source)
    calls: list[tuple[str, Node]] = []
    structural: list[tuple[int, dict]] = []
    model_patterns, call_index = compiled.model_patterns, compiled.call_pattern
    for index, captures in matches(compiled.query, tree.root_node, compiled.roots, budget):
        if index < model_patterns:
            builder.add(captures)
        elif index == call_index:
            call = captures["call"][0]
            name = ctx.text(captures["callee"][0])
            if name in MODEL_CALLS:
                builder.add_call(name, call)
            calls.append((name, call))
        else:
            structural.append((index, captures))
    ctx.__dict__["model"] = builder.finish()  # fills the Context.model cached property

    active = set(active_rules(config, ctx))
    found: list[Diagnostic] = []
    for name, call in calls:
        for rule in compiled.by_callee.get(name, ()):
            if rule in active:
                found += run_call(rule, compiled, name, call, ctx)
    for index, captures in structural:
        for rule in compiled.owners[index]:
            if rule in active:
                found += run_rule(rule, rule.check, (captures, ctx), ctx)
    for rule in enabled:
        if rule in active and scans_text(rule):
            found += run_rule(rule, rule.scan_text, (ctx, 0, len(source)), ctx)
    for rule in enabled:
        if rule in active and finishes(rule):
            found += run_rule(rule, rule.finish, (ctx,), ctx)
    return finalise(found, ctx, config, active)


def is_utf8(source: bytes) -> bool:
    try:
        source.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def run_call(rule: Rule, compiled: CompiledRules, name: str, call: Node, ctx: Context) -> list[Diagnostic]:
    """A rule's findings on one call it subscribed to: `check_call`, or `check` on each match of
    its `call_query` anchored at the call."""
    query = compiled.call_queries.get(rule.code)
    if query is None:
        return run_rule(rule, rule.check_call, (call, name, ctx), ctx)
    found: list[Diagnostic] = []
    cursor = QueryCursor(query)
    cursor.set_max_start_depth(0)  # patterns start at this call, not at calls inside it
    for _, captures in cursor.matches(call):
        found += run_rule(rule, rule.check, (captures, ctx), ctx)
    return found


def scans_text(rule: Rule) -> bool:
    return type(rule).scan_text is not Rule.scan_text


def finishes(rule: Rule) -> bool:
    return type(rule).finish is not Rule.finish


# Config files are not SourcePawn: only rules that read configs (`Rule.reads_configs`) see them.
CONFIG_SUFFIXES = (".cfg", ".ini", ".env", ".conf", ".txt", ".kv", ".json", ".yml", ".yaml")


def lint_config(text: str | bytes, path: str = "", config: Config | None = None) -> list[Diagnostic]:
    """Lint a config file (databases.cfg, server.cfg, an .ini) with the rules that read configs."""
    source = text.encode("utf-8") if isinstance(text, str) else text
    config = config or Config()
    ctx = Context(source, parse(b""), path, config)
    found: list[Diagnostic] = []
    for rule in enabled_rules(config):
        if rule.reads_configs:
            found += run_rule(rule, rule.check_config, (ctx,), ctx)
    return finalise(found, ctx, config, [r for r in enabled_rules(config) if r.reads_configs])


def run_rule(rule: Rule, method: Callable[..., Iterable[Diagnostic]], args: tuple, ctx: Context) -> list[Diagnostic]:
    if ctx.budget is not None:
        ctx.budget.check()
    try:
        return list(method(*args))
    except (StaleNode, AnalysisStopped):
        raise  # the incremental engine's own failure (it falls back to a plain lint); a stop
    except Exception:
        if _STRICT:
            raise
        log.exception("rule %s failed on %s; its findings for this file are skipped", rule.code, ctx.path or "<text>")
        return []


def finalise(
    found: Sequence[Diagnostic], ctx: Context, config: Config, active: Iterable[Rule] = ()
) -> list[Diagnostic]:
    """Suppressions, severities and duplicates applied, in file order; with the rules that ran
    (`active`), the suppression comments that silenced nothing are reported too (SPC801)."""
    suppressions = parse_suppressions(ctx.source, lambda: ctx.lines) if ctx.contains(b"spcopilot:") else Suppressions()
    out: dict[tuple[str, int, int], Diagnostic] = {}
    used: set[tuple[int, str]] = set()
    for d in found:
        if suppressions.comments:
            silencing = suppressions.silencing(d.code, d.range.start.line)
            if silencing:
                used.update((i, d.code) for i in silencing)
                continue
        severity = config.severity_for(d.code, d.severity)
        if severity != d.severity:
            d = _with_severity(d, severity)
        out.setdefault((d.code, d.start_byte, d.end_byte), d)
    if suppressions.comments:
        for d in _unused_suppressions(ctx, config, suppressions, used, active):
            if not suppressions.suppressed(d.code, d.range.start.line):
                out.setdefault((d.code, d.start_byte, d.end_byte), d)
    return sorted(out.values(), key=lambda d: (d.start_byte, d.code))


def _unused_suppressions(
    ctx: Context, config: Config, suppressions: Suppressions, used: set[tuple[int, str]], active: Iterable[Rule]
) -> list[Diagnostic]:
    from spcopilot.diagnostics.rules.linter.spc801_unused_suppression import UnusedSuppression

    rule = next((r for r in enabled_rules(config) if isinstance(r, UnusedSuppression)), None)
    codes = {r.code for r in active}
    if rule is None or rule.code not in codes:
        return []
    found = run_rule(rule, rule.report, (ctx, suppressions, used, codes), ctx)
    severity = config.severity_for(rule.code, rule.severity)
    return [d if d.severity == severity else _with_severity(d, severity) for d in found]


def _with_severity(d: Diagnostic, severity: Severity) -> Diagnostic:
    from dataclasses import replace

    return replace(d, severity=severity)
