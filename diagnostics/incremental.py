"""Incremental lint for the editor: after an edit, only the top-level items that changed - and
the findings that depend on them - are checked again; the result is `lint()`'s, exactly.

```python
session = IncrementalLint()
found = session.lint(source, tree, "plugin.sp", config)      # first time: the whole file
found = session.lint(edited, edited_tree, "plugin.sp", config)  # then: what the edit touched
```

Design
------
A SourcePawn file is a sequence of top-level items, the children of the tree's root: functions,
globals, directives, comments, methodmaps (items.py). A session - one per open document -
keeps per item its share of the file model (its *facts*: functions, hooks, registrations...,
with nodes as `NodeRef`s, offsets inside the item found again in each new tree) and, per
item-local rule (`Rule.item_local`), an *entry*: the findings of that rule's checks on the
item's matches and what those checks read outside the item (recording.py: model keys with
their answers, the game, the include scope, `ctx.contains`, line numbers).

A lint after an edit:

1. Diff. The changed bytes are found (text_counts.changed_span). A root child whose span -
   widened to the start of its first line and the end of its last line, which fixes its
   columns and what fixes around it may touch - lies wholly before or after them, with an old
   item of the same extent and kind, is the same item (both error-free: error recovery may
   parse one text two ways). Its findings move with it (bytes by the size change, lines by
   the newlines added). Every other child is a changed item.
2. Facts. The one combined query (engine.compile_rules) runs on each changed item alone (on a
   first lint or a big change: once over the tree, its matches split by item); the model
   builder makes the item's facts from its model matches. The file model is the items' facts
   merged in order, as the builder would merge the matches of one whole-file query, or the
   last model patched when one item's names, hooks and registrations kept their shape
   (item_facts.py).
3. Invalidation. A model key's answer can only change if an item that takes part in it
   changed (its old or its new version), so only those keys, and the few whole-file ones
   (game, include scope, `contains` - whose needle counts text_counts keeps current), are asked
   again; entries whose answers differ are dropped. Entries that asked for a line of their own
   item are dropped when it moves by lines; volatile entries (findings outside their item - a
   fix that edits the hook call -, a line of another item, `ctx.uses_whole_file()`) are dropped
   every time. A change of the active rules (another game) starts the session afresh, and so
   does another path, configuration or event catalogue.
4. Checks. Item-local rules run on the changed items and on the items whose entries were
   dropped (matches from the query on that item), recording what they read. The other rules
   get every match of the file (those of unchanged items kept as NodeRefs) and run on all of
   them, then every rule's `finish` runs, as in a plain lint.
5. Result. The findings are put together in the order of a plain lint (per rule: calls,
   structural matches, text scans, finish; each in file order) and finalised as `lint()` does.
   tests/diagnostics/test_incremental.py compares the two after every step of random edit
   sequences on real plugins.

What it assumes: a rule marked item-local keeps the contract written at `Rule.item_local`; an
error-free top-level item whose lines are byte-identical parses to the same subtree; the include
scope hands out a new object when its answers change (IncludeIndex does). Costs: the first lint
of a document (and an edit that changes the parse of the whole rest of the file, like an
unclosed `/*`) is ~1.5 x a plain lint; then, on a 10,000-line plugin, ~1.3 ms per keystroke,
most of it mapping the ~800 items onto the new tree.
"""

from __future__ import annotations

import logging
import os
from bisect import bisect_right
from collections.abc import Callable
from typing import Any

from spcopilot.diagnostics import engine
from spcopilot.diagnostics.budget import AnalysisStopped, Budget
from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.context import EmptyScope, SymbolScope
from spcopilot.diagnostics.game import MENTION, MENTION_SPAN, GameInfo, detect_game, signals_from_counts
from spcopilot.diagnostics.item_facts import item_facts, merged_model, patched_model, touched_keys
from spcopilot.diagnostics.items import Entry, Item, NodeRef
from spcopilot.diagnostics.knowledge.events import EventCatalogue
from spcopilot.diagnostics.matching import matches
from spcopilot.diagnostics.model import Diagnostic
from spcopilot.diagnostics.recording import ALL, Key, Notes, Recorder, RecordingContext
from spcopilot.diagnostics.rules.base import Rule
from spcopilot.diagnostics.semantics import MODEL_CALLS, FileModel, ModelBuilder
from spcopilot.diagnostics.text import LineIndex
from spcopilot.diagnostics.text_counts import Pattern, TextCounts, changed_span
from tree_sitter import Node, Tree

log = logging.getLogger(__name__)
_STRICT = os.environ.get("SPCOPILOT_STRICT") == "1"
_MENTIONS = Pattern(MENTION, *MENTION_SPAN)
# Past this many top-level items, or past TINY_ITEMS items averaging under TINY_ITEM_BYTES, a
# session lints the whole file instead: what it keeps per item (~30 µs on a first lint) costs more
# than it saves when the items are a few bytes each (a line of 50,000 `(` is 50,000 error items:
# 1.3 s against 13 ms for a plain lint, bench/fuzz_lsp.py; 1,000 of them, 28 ms against 0.8 ms).
# Of the corpus's 1,241 files the largest (left4dhooks.inc, 325 KB) has 1,548 items, and none of
# more than 100 items averages under 66 bytes.
MAX_ITEMS = 5000
TINY_ITEMS, TINY_ITEM_BYTES = 256, 16
_GLOBAL_KEYS = frozenset({"game", "symbols", "contains"})  # answered from the whole file
Matches = tuple[list[tuple[str, Node]], list[tuple[int, dict[str, list[Node]]]]]


class IncrementalLint:
    """One open document's lint state. Not thread-safe: one lint at a time."""

    def __init__(self) -> None:
        self._budget: Budget | None = None  # the running lint's (not part of the state reset)
        self.reset()

    def reset(self) -> None:
        self._setup: tuple[Any, ...] | None = None
        self.source = b""
        self.items: list[Item] = []
        self._serial = 0
        self._gen = 0
        self._values: dict[Key, Any] = {}  # each recorded key's answer when its entries were made
        self._readers: dict[Key, set[Entry]] = {}  # key -> the entries that asked it
        self._global_keys: set[Key] = set()
        self._volatile: set[Entry] = set()
        self._line_sensitive: set[Entry] = set()
        self._game: GameInfo | None = None
        self._game_inputs: tuple[Any, ...] | None = None
        self._active: tuple[Rule, ...] = ()
        self._counts = TextCounts(b"")
        self._recorder = Recorder()
        self._model: FileModel | None = None
        self.last_checked = 0  # how many items the last lint queried (for tests and the bench)

    def lint(
        self,
        source: bytes,
        tree: Tree,
        path: str = "",
        config: Config | None = None,
        *,
        scope: SymbolScope | Callable[[FileModel], SymbolScope] | None = None,
        events: EventCatalogue | None = None,
        lines: LineIndex | None = None,
        budget: Budget | None = None,
    ) -> list[Diagnostic]:
        """`engine.lint(source, path, config, tree=tree, scope=scope, events=events)`, reusing
        what the previous call learnt. The include scope `scope` makes is compared by identity
        on every lint (an include index hands out a new scope object when a file changed).
        `budget` as in engine.lint: when it runs out, AnalysisStopped, and the next lint of this
        session starts afresh."""
        config = config or Config()
        if not source.isascii() and not engine.is_utf8(source):
            self.reset()  # lint() reads the bytes repaired, so its offsets are not this text's
            return engine.lint(source, path, config, tree=tree, scope=scope, events=events, budget=budget)
        lines = lines or LineIndex(source)
        items = tree.root_node.child_count
        if items > MAX_ITEMS or (items > TINY_ITEMS and len(source) < TINY_ITEM_BYTES * items):
            self.reset()
            return engine.lint(source, path, config, tree=tree, scope=scope, events=events, lines=lines, budget=budget)
        setup = self._setup
        same = setup is not None and setup[0] == path and setup[1] == config and setup[2] is events
        self._budget = budget
        try:
            found = self._run(source, tree, path, config, scope, events, lines, fresh=not same)
        except AnalysisStopped:
            self.reset()  # a half-made state is never reused
            raise
        except Exception:
            if _STRICT:
                raise
            log.exception("incremental lint of %s failed; linting the whole file", path or "<text>")
            self.reset()
            return engine.lint(source, path, config, tree=tree, scope=scope, events=events, lines=lines, budget=budget)
        finally:
            self._budget = None
        self._setup = (path, config, events)
        return found

    # -- one lint ----------------------------------------------------------------------------------
    def _run(
        self,
        source: bytes,
        tree: Tree,
        path: str,
        config: Config,
        scope: SymbolScope | Callable[[FileModel], SymbolScope] | None,
        events: EventCatalogue | None,
        lines: LineIndex,
        fresh: bool,
    ) -> list[Diagnostic]:
        if fresh:
            self.reset()
            self._counts = TextCounts(source)
            span = (0, 0, len(source))
        else:
            span = changed_span(self.source, source)
            self._counts.update(source, span)
        old = self.source
        self.source = source
        self._gen += 1
        enabled = engine.enabled_rules(config)
        compiled = engine.compile_rules(tuple(r.code for r in enabled))
        items, changed, removed, moved_lines = self._map(tree, source, old, span, lines)

        # Facts of the changed items, then the file model and the context.
        matches: dict[Item, Matches] = {}
        self._query(compiled, changed, items, tree, matches, source, facts=True)
        recorder = self._recorder
        model = patched_model(self._model, changed, removed, source) if not fresh else None
        if model is None:
            model = self._model = merged_model(items, source, recorder)
        game = self._game_of(model, config)
        ctx = RecordingContext(source, tree, path, config, events, scope, self._budget).setup(
            recorder, model, lines, game, lambda needle: self._counts.count(needle) > 0
        )
        active = tuple(engine.active_rules(config, ctx))
        if not fresh and active != self._active:
            return self._run(source, tree, path, config, scope, events, lines, fresh=True)
        self._active = active
        self.items = items

        # What must be checked again: changed items (every rule), then dropped entries.
        pending: dict[Item, set[str] | None] = dict.fromkeys(changed)
        for item in removed:
            for entry in list(item.entries.values()):
                self._drop(entry)
        candidates: set[Key] = set(self._global_keys)
        for item in (*changed, *removed):
            candidates |= touched_keys(item.facts)
        for key in candidates:
            if key in self._values and self._answer(key, model, ctx) != self._values[key]:
                for entry in list(self._readers.get(key, ())):
                    self._redo(entry, pending)
        for entry in list(self._volatile):
            self._redo(entry, pending)
        if moved_lines:
            for entry in list(self._line_sensitive):
                if entry.item in moved_lines:
                    self._redo(entry, pending)
        self._query(compiled, [i for i in pending if i not in matches], items, tree, matches, source, facts=False)
        self.last_checked = len(pending)

        # Checks: item-local rules on the pending items, the others on the whole file.
        local = {r.code: r for r in active if r.item_local}
        scanners = [r for r in active if r.item_local and engine.scans_text(r)]
        for item, codes in pending.items():
            self._check(item, matches[item], codes, local, scanners, compiled, ctx, recorder)
        whole = [r for r in active if not r.item_local]
        found: list[Diagnostic] = []
        for phase in range(3):
            for item in items:
                if item.stale:
                    item.rebuild()
                found += item.found[phase]
        found += self._whole_file(whole, items, matches, compiled, ctx)
        return engine.finalise(found, ctx, config, active)

    def _map(
        self, tree: Tree, source: bytes, old: bytes, span: tuple[int, int, int], lines: LineIndex
    ) -> tuple[list[Item], list[Item], list[Item], set[Item]]:
        """The new items: old ones whose lines lie outside the changed bytes (moved as needed),
        new ones for the rest. Returns (items, changed, removed, items that moved by lines)."""
        start, old_end, new_end = span
        delta = new_end - old_end
        delta_lines = source.count(b"\n", start, new_end) - old.count(b"\n", start, old_end)
        old_items, i = self.items, 0
        items: list[Item] = []
        changed: list[Item] = []
        removed: list[Item] = []
        moved: set[Item] = set()
        gen = self._gen
        for node in tree.root_node.children:
            s, e = node.start_byte, node.end_byte
            # An old item of the same extent whose lines lie wholly before or after the changed
            # bytes has the same lines now (so its columns, and what its fixes may touch).
            same = None
            old_start = s if e <= start else s - delta if s >= new_end else -1
            if old_start >= 0:
                while i < len(old_items) and old_items[i].start < old_start:
                    removed.append(old_items[i])
                    i += 1
                if i < len(old_items):
                    candidate = old_items[i]
                    if (
                        candidate.start == old_start
                        and candidate.end - candidate.start == e - s
                        and (
                            candidate.ext_end <= start and old[candidate.ext_end - 1] == 0x0A  # its newline too
                            if e <= start
                            else candidate.ext_start >= old_end
                            and (candidate.ext_start + delta == 0 or source[candidate.ext_start + delta - 1] == 0x0A)
                        )
                        and candidate.reusable
                        and candidate.kind == node.type
                        and not node.has_error
                    ):
                        same = candidate
                        i += 1
            if same is not None:
                if e > start and (delta or delta_lines):  # after the change
                    same.move(delta, delta_lines)
                    if delta_lines:
                        moved.add(same)
                same.node, same.gen, same.resolved = node, gen, {}
                items.append(same)
                continue
            ext_start = source.rfind(b"\n", 0, s) + 1
            if e > s and source[e - 1] == 0x0A:
                ext_end = e
            else:
                newline = source.find(b"\n", e)
                ext_end = len(source) if newline == -1 else newline + 1
            self._serial += 1
            item = Item(
                self._serial,
                node.type,
                s,
                e,
                ext_start,
                ext_end,
                lines.line_of(ext_start),
                node,
                gen,
                not node.has_error,
            )
            items.append(item)
            changed.append(item)
        removed += old_items[i:]
        return items, changed, removed, moved

    def _query(
        self,
        compiled: engine.CompiledRules,
        wanted: list[Item],
        items: list[Item],
        tree: Tree,
        out: dict[Item, Matches],
        source: bytes,
        facts: bool,
    ) -> None:
        """The combined query's matches in each wanted item (and, with `facts`, the item's
        facts and the matches the rules that are not item-local keep)."""
        if not wanted:
            return
        raw: dict[Item, list[tuple[int, dict[str, list[Node]]]]] = {item: [] for item in wanted}
        if len(wanted) * 3 > len(items):  # many items: one pass over the tree is cheaper
            starts = [item.start for item in items]
            for index, captures in matches(compiled.query, tree.root_node, compiled.roots, self._budget):
                first = next(iter(captures.values()))[0]
                bucket = raw.get(items[bisect_right(starts, first.start_byte) - 1])
                if bucket is not None:
                    bucket.append((index, captures))
        else:
            for item in wanted:
                raw[item] = matches(compiled.query, item.node, compiled.roots, self._budget)
        model_patterns, call_index = compiled.model_patterns, compiled.call_pattern
        whole = set(self._whole_rules(compiled))
        for item, found in raw.items():
            builder = ModelBuilder(source) if facts else None
            calls: list[tuple[str, Node]] = []
            struct: list[tuple[int, dict[str, list[Node]]]] = []
            for index, captures in found:
                if index < model_patterns:
                    if builder is not None:
                        builder.add(captures)
                elif index == call_index:
                    call, callee = captures["call"][0], captures["callee"][0]
                    name = source[callee.start_byte : callee.end_byte].decode("utf-8", "replace")
                    if builder is not None and name in MODEL_CALLS:
                        builder.add_call(name, call)
                    calls.append((name, call))
                else:
                    struct.append((index, captures))
            out[item] = (calls, struct)
            if builder is not None:
                item.facts = item_facts(builder.finish(), item)
                item.file_calls = [
                    (name, NodeRef(item, call))
                    for name, call in calls
                    if any(r in whole for r in compiled.by_callee.get(name, ()))
                ]
                item.file_struct = [
                    (index, {k: [NodeRef(item, n) for n in v] for k, v in captures.items()})
                    for index, captures in struct
                    if any(r in whole for r in compiled.owners[index])
                ]

    @staticmethod
    def _whole_rules(compiled: engine.CompiledRules) -> list[Rule]:
        rules = {r for owners in compiled.owners for r in owners} | {r for v in compiled.by_callee.values() for r in v}
        return [r for r in rules if not r.item_local]

    def _game_of(self, model: FileModel, config: Config) -> GameInfo:
        if config.game != "auto":
            return GameInfo(config.game, 1.0, ("set in the configuration",))
        counts = self._counts
        signals = signals_from_counts(
            lambda needle: counts.count(needle) > 0,
            (counts.count(b"Engine_Left4Dead"), counts.count(b"Engine_Left4Dead2")),
            counts.places(_MENTIONS) > 0,
        )
        inputs = (
            tuple(i.name for i in list.__iter__(model.includes)),
            tuple(h.event for h in list.__iter__(model.hooks)),
            tuple(signals),
        )
        if self._game is None or inputs != self._game_inputs:
            self._game, self._game_inputs = detect_game(model, signals), inputs
        return self._game

    # -- entries -----------------------------------------------------------------------------------
    def _answer(self, key: Key, model: FileModel, ctx: RecordingContext) -> Any:
        """What the key asks, now (read past the recording containers)."""
        kind, name = key
        if kind == "game":
            return self._game
        if kind == "symbols":
            scope = ctx.current_symbols()
            return scope if isinstance(scope, EmptyScope) else _Same(scope)
        if kind == "contains":
            return self._counts.count(name) > 0
        if kind == "defined":
            return frozenset(set.__iter__(model.defined)) if name == ALL else set.__contains__(model.defined, name)
        if kind == "hooks":
            return tuple(list.__iter__(model.hooks)) if name == ALL else tuple(model._hooks_by_callback.get(name, ()))
        if kind in ("registrations", "includes"):
            return tuple(list.__iter__(getattr(model, kind)))
        container = getattr(model, kind)
        return tuple(dict.items(container)) if name == ALL else dict.get(container, name)

    def _redo(self, entry: Entry, pending: dict[Item, set[str] | None]) -> None:
        """Drop an entry and have its rule check its item again (if the item is still there)."""
        self._drop(entry)
        item = entry.item
        if item.gen != self._gen:
            return  # removed by this edit
        if item not in pending:
            pending[item] = {entry.rule.code}
        else:
            codes = pending[item]
            if codes is not None:  # None: every rule checks the item again anyway
                codes.add(entry.rule.code)

    def _drop(self, entry: Entry) -> None:
        item = entry.item
        if item.entries.get(entry.rule.code) is entry:
            del item.entries[entry.rule.code]
            item.stale = True
        for key in entry.notes.keys:
            readers = self._readers.get(key)
            if readers is not None:
                readers.discard(entry)
                if not readers:
                    del self._readers[key]
                    self._values.pop(key, None)
                    self._global_keys.discard(key)
        self._volatile.discard(entry)
        self._line_sensitive.discard(entry)

    def _check(
        self,
        item: Item,
        matches: Matches,
        codes: set[str] | None,
        local: dict[str, Rule],
        scanners: list[Rule],
        compiled: engine.CompiledRules,
        ctx: RecordingContext,
        recorder: Recorder,
    ) -> None:
        """Run the item-local rules (all, or those in `codes`) on one item's matches."""
        made: dict[str, Entry] = {}
        span = (item.ext_start, item.ext_end)

        def entry_of(rule: Rule) -> Entry:
            entry = made.get(rule.code)
            if entry is None:
                entry = made[rule.code] = Entry(item, rule, Notes(span))
            recorder.notes = entry.notes
            return entry

        calls, struct = matches
        try:
            for name, call in calls:
                for rule in compiled.by_callee.get(name, ()):
                    if rule.code in local and (codes is None or rule.code in codes):
                        entry = entry_of(rule)
                        entry.calls += engine.run_call(rule, compiled, name, call, ctx)
            for index, captures in struct:
                for rule in compiled.owners[index]:
                    if rule.code in local and (codes is None or rule.code in codes):
                        entry = entry_of(rule)
                        entry.struct += engine.run_rule(rule, rule.check, (captures, ctx), ctx)
            for rule in scanners:
                if codes is None or rule.code in codes:
                    entry = entry_of(rule)
                    entry.scans += engine.run_rule(rule, rule.scan_text, (ctx, item.start, item.end), ctx)
        finally:
            recorder.notes = None
        for code, entry in made.items():
            notes = entry.notes
            if not entry.inside(*span):
                notes.volatile = True  # a finding or fix elsewhere: positions of other items
            if entry.empty() and not notes.keys and not notes.volatile and not notes.line_sensitive:
                continue  # nothing found and nothing read outside: nothing to remember
            old = item.entries.get(code)
            if old is not None:
                self._drop(old)
            item.entries[code] = entry
            item.stale = True
            for key in notes.keys:
                readers = self._readers.get(key)
                if readers is None:
                    readers = self._readers[key] = set()
                    self._values[key] = self._answer(key, ctx.model, ctx)
                    if key[0] in _GLOBAL_KEYS:
                        self._global_keys.add(key)
                readers.add(entry)
            if notes.volatile:
                self._volatile.add(entry)
            elif notes.line_sensitive:
                self._line_sensitive.add(entry)

    def _whole_file(
        self,
        rules: list[Rule],
        items: list[Item],
        matches: dict[Item, Matches],
        compiled: engine.CompiledRules,
        ctx: RecordingContext,
    ) -> list[Diagnostic]:
        """The rules that are not item-local, as a plain lint runs them: every match, then finish."""
        found: list[Diagnostic] = []
        wanted = set(rules)
        if wanted:
            for item in items:
                if item.file_calls:
                    fresh = matches.get(item)
                    pairs = (
                        [c for c in fresh[0] if any(r in wanted for r in compiled.by_callee.get(c[0], ()))]
                        if fresh is not None
                        else [(name, ref.resolve()) for name, ref in item.file_calls]
                    )
                    for name, call in pairs:
                        for rule in compiled.by_callee.get(name, ()):
                            if rule in wanted:
                                found += engine.run_call(rule, compiled, name, call, ctx)
            for item in items:
                if item.file_struct:
                    fresh = matches.get(item)
                    groups = (
                        [s for s in fresh[1] if any(r in wanted for r in compiled.owners[s[0]])]
                        if fresh is not None
                        else [
                            (index, {k: [ref.resolve() for ref in v] for k, v in refs.items()})
                            for index, refs in item.file_struct
                        ]
                    )
                    for index, captures in groups:
                        for rule in compiled.owners[index]:
                            if rule in wanted:
                                found += engine.run_rule(rule, rule.check, (captures, ctx), ctx)
        for rule in self._active:
            if engine.finishes(rule):
                found += engine.run_rule(rule, rule.finish, (ctx,), ctx)
        return found


class _Same:
    """An answer compared by identity (the include scope object)."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.value is self.value

    def __hash__(self) -> int:
        return id(self.value)
