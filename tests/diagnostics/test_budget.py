"""The engine's budget: a cancel flag or deadline stops a parse, a query or the rules with one
exception (AnalysisStopped), nothing half-made is reused, and the next analysis is whole.

A budget that runs out after a set number of checks stands in for the clock, so where the stop
lands is decided by the test, not by the machine's speed."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from spcopilot.diagnostics.budget import CANCELLED, DEADLINE, AnalysisStopped, Budget
from spcopilot.diagnostics.engine import lint
from spcopilot.diagnostics.incremental import IncrementalLint
from spcopilot.diagnostics.linter import Linter
from spcopilot.diagnostics.parsing import parse

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class RunsOutAfter(Budget):
    """Exhausted from the n-th question on (every check and progress callback asks)."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.left = n
        self.asked = 0

    def exhausted(self) -> bool:
        self.asked += 1
        self.left -= 1
        return self.left < 0


def plugin() -> bytes:
    return max(EXAMPLES.glob("*.sp"), key=lambda p: p.stat().st_size).read_bytes() * 20


def test_a_cancelled_budget_stops_everything_at_once() -> None:
    budget = Budget()
    budget.cancel()
    for run in (
        lambda: parse(b"int x;", budget=budget),
        lambda: lint(b"int x;", "a.sp", budget=budget),
        lambda: Linter().lint_source(b"int x;", "a.sp", budget=budget),
        lambda: IncrementalLint().lint(b"int x;", parse(b"int x;"), "a.sp", budget=budget),
    ):
        with pytest.raises(AnalysisStopped) as stopped:
            run()
        assert stopped.value.reason == CANCELLED and "cancelled" in str(stopped.value)


def test_an_event_set_from_another_thread_cancels() -> None:
    changed = threading.Event()
    budget = Budget(3600, event=changed)
    assert lint(b"int x;", "a.sp", budget=budget) == []
    worker = threading.Thread(target=changed.set)
    worker.start()
    worker.join()
    with pytest.raises(AnalysisStopped) as stopped:
        lint(b"int x;", "a.sp", budget=budget)
    assert stopped.value.reason == CANCELLED


def test_a_parse_stopped_halfway_leaves_the_parser_clean() -> None:
    source = plugin()
    budget = RunsOutAfter(3)  # the check before the parse, then two progress callbacks
    with pytest.raises(AnalysisStopped) as stopped:
        parse(source, budget=budget)
    assert stopped.value.reason == DEADLINE and budget.asked > 2
    assert str(parse(source).root_node) == str(parse(source, budget=Budget(3600)).root_node)


def checks_of(run: Callable[[Budget], object]) -> int:
    """How many times a whole run asks its budget."""
    counting = RunsOutAfter(10**9)
    run(counting)
    assert counting.asked > 10
    return counting.asked


@pytest.mark.parametrize("part", [0.0, 0.3, 0.6, 0.99])
def test_a_lint_stopped_anywhere_raises_and_the_next_one_is_whole(part: float) -> None:
    source = plugin()
    expected = lint(source, "p.sp")
    allowed = int(checks_of(lambda budget: lint(source, "p.sp", budget=budget)) * part)
    with pytest.raises(AnalysisStopped):
        lint(source, "p.sp", budget=RunsOutAfter(allowed))
    assert lint(source, "p.sp", budget=Budget(3600)) == expected


@pytest.mark.parametrize("part", [0.0, 0.3, 0.6, 0.99])
def test_an_incremental_lint_stopped_anywhere_starts_afresh(part: float) -> None:
    source = plugin()
    edited = source.replace(b"HookEvent", b"HookEventEx", 1)
    tree, edited_tree = parse(source), parse(edited)

    def primed() -> IncrementalLint:
        session = IncrementalLint()
        session.lint(source, tree, "p.sp")
        return session

    allowed = int(checks_of(lambda budget: primed().lint(edited, edited_tree, "p.sp", budget=budget)) * part)
    session = primed()
    with pytest.raises(AnalysisStopped):
        session.lint(edited, edited_tree, "p.sp", budget=RunsOutAfter(allowed))
    assert session.lint(edited, edited_tree, "p.sp") == lint(edited, "p.sp")


def test_a_stop_inside_a_rule_is_not_taken_for_a_crashing_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    from spcopilot.diagnostics import engine
    from spcopilot.diagnostics.rules import rule_by_code

    budget = Budget()
    rule = rule_by_code("SPC101")

    def cancels(*args: object) -> list[object]:
        budget.cancel()  # e.g. the editor sent another version meanwhile
        budget.check()
        return []

    monkeypatch.setattr(engine, "_STRICT", False)  # a crashing rule would be skipped: a stop is not
    monkeypatch.setattr(type(rule), "check_call", cancels)
    with pytest.raises(AnalysisStopped):
        lint(b"public void OnPluginStart() { RandomFloat(0.0, 1.0); }", "a.sp", budget=budget)


def test_a_generous_budget_changes_nothing() -> None:
    source = plugin()
    assert lint(source, "p.sp", budget=Budget(3600)) == lint(source, "p.sp")


def test_a_parse_under_a_budget_keeps_nothing_alive() -> None:
    """Nothing of a parsed source stays behind: py-tree-sitter 0.26.1 keeps a reference to each
    object a read callback returns, so chunks sliced from the source were never freed (the
    server grew by the document's size on every open). Measured over two windows, and the
    smaller growth counts: a leak grows in both, while a one-time allocation somewhere else in
    the process during one window (CI met 293 blocks in 200 parses, once) does not."""
    source = max(EXAMPLES.glob("*.sp"), key=lambda p: p.stat().st_size).read_bytes()
    edits = iter(range(10**9))

    def blocks_per_parse(parses: int) -> float:
        gc.collect()
        before = sys.getallocatedblocks()
        for _ in range(parses):
            parse(source + b"// %d\n" % next(edits), budget=Budget(3600))  # a new source each time, as edits make
        gc.collect()
        return (sys.getallocatedblocks() - before) / parses

    blocks_per_parse(20)  # (warm-up)
    assert min(blocks_per_parse(300), blocks_per_parse(300)) < 0.25  # the leak was 2 blocks a parse


BUDGETED_TREE_TEXT = """
import sys
from tree_sitter import Query, QueryCursor
from spcopilot.diagnostics.budget import Budget
from spcopilot.diagnostics.parsing import language, parse
source = open(sys.argv[1], "rb").read()
first = parse(source, budget=Budget(3600))
edited = source + b"\\npublic void Late() { HookEvent(\\"round_end\\", E); }\\n"
old = first.copy()
end = (source.count(b"\\n"), len(source) - source.rfind(b"\\n") - 1)
old.edit(len(source), len(source), len(edited), end, end, (end[0] + 2, 0))
for tree, text in ((first, source), (parse(edited, old, budget=Budget(3600)), edited)):
    nodes = [tree.root_node]
    while nodes:
        node = nodes.pop()
        assert node.text == text[node.start_byte : node.end_byte], node
        nodes.extend(node.children[:8])
    query = Query(language(), '((call_expression function: (identifier) @f) (#any-of? @f "HookEvent" "CreateTimer"))')
    found = [m[1]["f"][0].text for m in QueryCursor(query).matches(tree.root_node)]
    plain = [m[1]["f"][0].text for m in QueryCursor(query).matches(parse(text).root_node)]
    assert found == plain and found, (found, plain)
print("ok")
"""


def test_a_tree_parsed_under_a_budget_reads_its_own_text() -> None:
    """A node's text and a query's text predicates work on a tree parsed through the budget's
    callback, first and incremental parses alike (in a child process: py-tree-sitter 0.26.1
    crashes when a callback-parsed tree's text is read through a bytearray)."""
    import subprocess

    source = max(EXAMPLES.glob("*.sp"), key=lambda p: p.stat().st_size)
    run = subprocess.run(
        [sys.executable, "-c", BUDGETED_TREE_TEXT, str(source)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]
