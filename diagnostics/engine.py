"""The engine: parse -> one query pass for every active rule -> diagnostics.

`lint(text, path, config)` is the one entry point the editor, the generation guard, the
dataset sanitiser and the evaluation battery share.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from tree_sitter import Query, QueryCursor, Tree

from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.context import Context, SymbolScope
from spcopilot.diagnostics.knowledge.events import EventCatalogue
from spcopilot.diagnostics.model import Diagnostic
from spcopilot.diagnostics.parsing import language, parse
from spcopilot.diagnostics.rules import all_rules
from spcopilot.diagnostics.rules.base import ALL_GAMES, Rule
from spcopilot.diagnostics.semantics import FileModel
from spcopilot.diagnostics.suppression import parse_suppressions

log = logging.getLogger(__name__)
# Tests set SPCOPILOT_STRICT=1 so a crashing rule fails loudly instead of being skipped.
_STRICT = os.environ.get("SPCOPILOT_STRICT") == "1"


@dataclass(frozen=True, slots=True)
class CompiledRules:
    query: Query | None
    owner: tuple[Rule, ...]  # pattern index -> rule


@cache
def compile_rules(codes: tuple[str, ...]) -> CompiledRules:
    """One tree-sitter query holding the patterns of the given rules, compiled once per set."""
    rules = [r for r in all_rules() if r.code in codes]
    owner: list[Rule] = []
    parts: list[str] = []
    for rule in rules:
        if not rule.query.strip():
            continue
        count = Query(language(), rule.query).pattern_count
        owner += [rule] * count
        parts.append(rule.query)
    query = Query(language(), "\n".join(parts)) if parts else None
    return CompiledRules(query, tuple(owner))


def active_rules(config: Config, ctx: Context | None = None) -> list[Rule]:
    rules = [r for r in all_rules() if config.enabled(r.code)]
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
) -> list[Diagnostic]:
    """Lint one SourcePawn file. `tree` may be a tree already parsed from `text` (the LSP's
    incrementally re-parsed tree); `scope` answers which names the file's includes define."""
    source = text.encode("utf-8") if isinstance(text, str) else text
    config = config or Config()
    tree = tree or parse(source)
    ctx = Context(source, tree, path, config, events, scope)
    rules = active_rules(config, ctx)
    compiled = compile_rules(tuple(r.code for r in rules))
    found: list[Diagnostic] = []
    if compiled.query is not None:
        for index, captures in QueryCursor(compiled.query).matches(tree.root_node):
            rule = compiled.owner[index]
            found += _run(rule, "check", captures, ctx)
    for rule in rules:
        found += _run(rule, "finish", None, ctx)
    return _finalise(found, ctx, config)


def _run(rule: Rule, method: str, captures: dict | None, ctx: Context) -> list[Diagnostic]:
    try:
        if method == "check":
            return list(rule.check(captures or {}, ctx))
        return list(rule.finish(ctx))
    except Exception:
        if _STRICT:
            raise
        log.exception("rule %s failed on %s; its findings for this file are skipped", rule.code, ctx.path or "<text>")
        return []


def _finalise(found: Sequence[Diagnostic], ctx: Context, config: Config) -> list[Diagnostic]:
    suppressions = parse_suppressions(ctx.source, ctx.lines)
    out: dict[tuple[str, int, int], Diagnostic] = {}
    for d in found:
        if suppressions.suppressed(d.code, d.range.start.line):
            continue
        severity = config.severity_for(d.code, d.severity)
        if severity != d.severity:
            d = _with_severity(d, severity)
        out.setdefault((d.code, d.start_byte, d.end_byte), d)
    return sorted(out.values(), key=lambda d: (d.start_byte, d.code))


def _with_severity(d: Diagnostic, severity) -> Diagnostic:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(d, severity=severity)
