"""The hole-filling benchmark (the llm-ls testbed idea, with our engine in place of a compiler).

Holes (hole_cutting.py) are cut out of held-out plugins and filled through the editor's own
path: an `InlineRequest` built as the language server builds it (the document's game, hooked
events, symbol lookup and include scope, from `server.project`), then `InlineCompleter.suggest`:
window, context notes, the model family's FIM prompt (or prefix-only / hole-filler chat), the
backend, the post-filters and the snippet guard, which withholds a suggestion with an
error-severity finding. What it returns is put into the hole and scored:

- filled: a suggestion came back (none: the model gave nothing usable, or the guard withheld it);
- parses: the whole file with the fill has no syntax error (the originals all parse);
- lint-clean: no error-severity finding in the filled file that the original does not have;
- call recall: the share of the functions the original hole calls that the fill calls too;
- event recall: the same for event names (HookEvent & co.) and event fields read (GetInt("…"));
- exact: the fill equals the original, whitespace aside;
- pass: filled, parses, lint-clean, and both recalls complete (1, or nothing to recall).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.engine import lint
from spcopilot.diagnostics.knowledge.events import EVENT_GETTERS, EVENT_NAME_FUNCTIONS
from spcopilot.diagnostics.matching import query_matches
from spcopilot.diagnostics.model import Severity
from spcopilot.diagnostics.parsing import parse
from spcopilot.diagnostics.syntax import syntax_problems
from spcopilot.server.ai.backends.base import BackendError
from spcopilot.server.ai.inline.completer import InlineCompleter, InlineRequest
from spcopilot.server.ai.service import Copilot
from spcopilot.training.eval.held_out import Plugin
from spcopilot.training.eval.hole_cutting import Hole, choose_holes
from spcopilot.training.eval.recorder import RecordingBackend

CALLS = "(call_expression function: [(identifier) @callee (field_access field: (identifier) @callee)]) @call"
REPLAY_KEY_CHARS = 300  # a fill's replay record is keyed by this much of the text before the cursor
Progress = Callable[[int, int, str], None]


@dataclass(slots=True)
class HoleResult:
    id: str
    path: str
    kind: str
    line: int  # 1-based line of the cursor
    middle: str
    fill: str = ""
    model_output: str = ""  # what the model returned, before filters and guard
    filled: bool = False
    parses: bool = False
    lint_clean: bool = False
    new_errors: list[str] = field(default_factory=list)
    calls_expected: list[str] = field(default_factory=list)
    calls_found: list[str] = field(default_factory=list)
    events_expected: list[str] = field(default_factory=list)
    events_found: list[str] = field(default_factory=list)
    exact: bool = False
    error: str = ""

    @property
    def call_recall(self) -> float | None:
        return _recall(self.calls_expected, self.calls_found)

    @property
    def event_recall(self) -> float | None:
        return _recall(self.events_expected, self.events_found)

    @property
    def passed(self) -> bool:
        return (self.filled and self.parses and self.lint_clean
                and self.call_recall in (None, 1.0) and self.event_recall in (None, 1.0))  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "path": self.path, "kind": self.kind, "line": self.line, "passed": self.passed,
            "filled": self.filled, "parses": self.parses, "lint_clean": self.lint_clean,
            "new_errors": self.new_errors, "call_recall": self.call_recall, "event_recall": self.event_recall,
            "calls_expected": self.calls_expected, "calls_found": self.calls_found,
            "events_expected": self.events_expected, "events_found": self.events_found, "exact": self.exact,
            "middle": self.middle, "fill": self.fill, "model_output": self.model_output,
            **({"error": self.error} if self.error else {}),
        }  # fmt: skip


def _recall(expected: list[str], found: list[str]) -> float | None:
    if not expected:
        return None
    return round(len(set(expected) & set(found)) / len(set(expected)), 4)


def _string_value(node: Any, source: bytes) -> str | None:
    if node is None or node.type != "string_literal":
        return None
    text = source[node.start_byte : node.end_byte].decode("utf-8", "replace")
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else None


def calls_and_events(source: bytes, start: int, end: int) -> tuple[list[str], list[str]]:
    """The functions called, and the events named or fields read, in bytes [start, end)."""

    tree = parse(source)
    calls: set[str] = set()
    events: set[str] = set()
    for _, caps in query_matches(CALLS, tree.root_node):
        call, callee = caps["call"][0], caps["callee"][0]
        if call.start_byte < start or call.end_byte > end:
            continue
        name = source[callee.start_byte : callee.end_byte].decode("utf-8", "replace")
        calls.add(name)
        arguments = call.child_by_field_name("arguments")
        args = [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []
        if name in EVENT_NAME_FUNCTIONS and args:
            value = _string_value(args[0], source)
            if value:
                events.add(f"event:{value}")
        if name in EVENT_GETTERS:
            # methodmap getters take the field first, the old functions the event first
            index = 1 if name.startswith("GetEvent") else 0
            value = _string_value(args[index], source) if len(args) > index else None
            if value:
                events.add(f"field:{value}")
    return sorted(calls), sorted(events)


def replay_records(recorder: RecordingBackend) -> list[dict[str, Any]]:
    """The recorded fills in the order a replay needs: a fill is keyed by the text before its
    cursor, which the prompts of the holes after it in the same file also contain (their
    documents keep this hole's text); a later hole's key is not in an earlier hole's prefix-only
    prompt. So each file's fills go last hole first, and the first matching record is the right one."""
    files: dict[str, int] = {}
    for call in recorder.calls:
        files.setdefault(str(call.tag.get("path", "")), len(files))
    ordered = sorted(recorder.calls, key=lambda c: (files[str(c.tag.get("path", ""))], -int(c.tag.get("line", 0))))
    return [c.record() for c in ordered]


def _error_codes(text: str, path: str, config: Config | None) -> Counter[str]:
    return Counter(d.code for d in lint(text, path, config) if d.severity == Severity.ERROR)


class EditorRequests:
    """InlineRequests filled in as the language server fills them (server/lsp/ai.py)."""

    def __init__(self) -> None:
        from spcopilot.server.project import Project

        self.project = Project()
        self.count = 0

    def request(self, text: str, offset: int, plugin: Plugin) -> InlineRequest:
        from spcopilot.server.ai.inline.request import request_from_view

        self.count += 1
        uri = f"untitled:hole-{self.count}"
        path = str(plugin.file) if plugin.file is not None else plugin.path
        document = self.project.open(uri, path, text, 1)
        view = self.project.view(uri)
        self.project.close(uri)
        if view is None:  # pragma: no cover - an open document always has a view
            return InlineRequest(text, offset, path, document.tree)
        return request_from_view(text, offset, view)


@dataclass(slots=True)
class HoleRun:
    results: list[HoleResult]
    skipped: list[dict[str, str]]  # plugins not used: {"path", "reason"}


def plan_holes(
    plugins: list[Plugin], per_file: int, kinds: tuple[str, ...]
) -> tuple[list[tuple[Plugin, list[Hole]]], list[dict[str, str]]]:
    """The holes of each usable plugin, and the plugins skipped with the reason."""
    work: list[tuple[Plugin, list[Hole]]] = []
    skipped: list[dict[str, str]] = []
    for plugin in plugins:
        source = plugin.text.encode("utf-8")
        if syntax_problems(parse(source), source):
            skipped.append({"path": plugin.path, "reason": "does not parse"})
            continue
        holes = choose_holes(plugin.text, plugin.path, per_file, kinds, plugin.avoid)
        if not holes:
            skipped.append({"path": plugin.path, "reason": f"no hole of the kinds {', '.join(kinds)}"})
            continue
        work.append((plugin, holes))
    return work, skipped


def oracle_records(plugins: list[Plugin], per_file: int, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    """A replay file that fills every hole with the text cut out of it: the ceiling of the scores
    (what a model that reproduces the original gets after the post-filters and the guard)."""
    records = []
    for plugin, holes in plan_holes(plugins, per_file, kinds)[0]:
        for hole in sorted(holes, key=lambda h: -h.start):  # replay order: see replay_records
            key = hole.document(plugin.text)[: hole.start][-REPLAY_KEY_CHARS:]
            records.append({"contains": key, "output": hole.middle(plugin.text)})
    return records


def run_holes(
    copilot: Copilot,
    recorder: RecordingBackend,
    plugins: list[Plugin],
    per_file: int,
    kinds: tuple[str, ...],
    progress: Progress | None = None,
) -> HoleRun:
    editor = EditorRequests()
    results: list[HoleResult] = []
    work, skipped = plan_holes(plugins, per_file, kinds)
    total = sum(len(h) for _, h in work)
    for plugin, holes in work:
        original_errors = _error_codes(plugin.text, plugin.path, copilot.config)
        completer = InlineCompleter(copilot)  # a fresh cache per file
        for hole in holes:
            result = fill_hole(copilot, recorder, completer, editor, plugin, hole, original_errors)
            results.append(result)
            if progress is not None:
                progress(len(results), total, f"{result.id} ({hole.kind}): {'pass' if result.passed else 'fail'}")
    return HoleRun(results, skipped)


def fill_hole(
    copilot: Copilot,
    recorder: RecordingBackend,
    completer: InlineCompleter,
    editor: EditorRequests,
    plugin: Plugin,
    hole: Hole,
    original_errors: Counter[str],
) -> HoleResult:
    text = plugin.text
    line = text.count("\n", 0, hole.start) + 1
    result = HoleResult(f"{plugin.path}:{line}", plugin.path, hole.kind, line, hole.middle(text))
    document = hole.document(text)
    recorder.tag = {"kind": "hole", "id": result.id, "path": plugin.path, "line": line}
    before = len(recorder.calls)
    try:
        suggestion = completer.suggest(editor.request(document, hole.start, plugin))
    except BackendError as exc:
        result.error = str(exc)
        suggestion = None
    for call in recorder.calls[before:]:
        call.contains = document[: hole.start][-REPLAY_KEY_CHARS:]
        result.model_output = call.completion.text
    source = text.encode("utf-8")
    start, end = len(text[: hole.start].encode("utf-8")), len(text[: hole.end].encode("utf-8"))
    result.calls_expected, result.events_expected = calls_and_events(source, start, end)
    if suggestion is None:
        return result
    result.fill, result.filled = suggestion.text, True
    filled = document[: hole.start] + suggestion.text + document[hole.start :]
    filled_source = filled.encode("utf-8")
    result.parses = not syntax_problems(parse(filled_source), filled_source)
    new = _error_codes(filled, plugin.path, copilot.config) - original_errors
    result.new_errors = sorted(new)
    result.lint_clean = not new
    fill_end = start + len(suggestion.text.encode("utf-8"))
    result.calls_found, result.events_found = calls_and_events(filled_source, start, fill_end)
    result.exact = "".join(suggestion.text.split()) == "".join(result.middle.split())
    return result
