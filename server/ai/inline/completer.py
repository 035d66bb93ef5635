"""One inline suggestion: cache → prompt → model → filters → guard.

The guard for a suggestion lints the enclosing top-level item of the document with the
suggestion inserted (a whole 10 000-line file per keystroke would cost more than the model);
names the rest of the file and its includes define are known through the scope, so a call to
the file's own `RandomFloat` stock is not reported. The fixes inside the suggestion (unsafe
ones too: it is generated code) are applied (the user gets `GetRandomFloat`, not
`RandomFloat`); a suggestion that still has an error-severity finding, or that adds syntax
errors to its enclosing item, is not shown (a ghost text cannot carry a warning), and why is
logged.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from spcopilot.diagnostics.budget import AnalysisStopped, Budget
from spcopilot.diagnostics.model import Severity
from spcopilot.diagnostics.parsing import Tree
from spcopilot.server.ai.backends.base import NEVER_CANCELLED, CancelToken, StringChoice, Usage
from spcopilot.server.ai.backends.string_choice import nearest_choice
from spcopilot.server.ai.inline.auto_close import auto_closed_overlap
from spcopilot.server.ai.inline.cache import SuggestionCache
from spcopilot.server.ai.inline.feedback import FeedbackLog, Shown
from spcopilot.server.ai.inline.filters import FilterContext, postprocess
from spcopilot.server.ai.inline.mode import is_multi_line
from spcopilot.server.ai.inline.prompt import build_inline_prompt
from spcopilot.server.ai.prompts.context import Lookup, build_context
from spcopilot.server.ai.prompts.fim import read_hole_filler_answer
from spcopilot.server.ai.service import Copilot, guard_insertion

log = logging.getLogger("spcopilot.ai")
_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class InlineRequest:
    text: str  # the whole document
    offset: int  # the cursor, a str index into text
    path: str = ""
    tree: Tree | None = None  # the document's parse tree (of text encoded as UTF-8)
    game: str = "l4d2"
    hooked_events: Sequence[str] = ()
    lookup: Lookup | None = None
    defined_here: Callable[[str], bool] = lambda _: False
    scope: Any = None  # the engine's symbol scope for the document (what its includes define)
    choice: StringChoice | None = None  # the catalogue names the string at the cursor must be
    # the same for a string the suggestion opens itself, given the text generated up to its quote
    choice_after: Callable[[str], StringChoice | None] | None = None


@dataclass(slots=True)
class InlineSuggestion:
    id: str
    text: str
    multi_line: bool
    cached: bool = False
    fixed: tuple[str, ...] = ()  # rule codes the guard fixed in the suggestion
    usage: Usage = field(default_factory=Usage)
    model_ms: float = 0.0


class InlineCompleter:
    def __init__(self, copilot: Copilot, feedback: FeedbackLog | None = None, cache_size: int = 128) -> None:
        self.copilot = copilot
        self.cache = SuggestionCache(cache_size)
        self.feedback = feedback or FeedbackLog(None)
        self.model_ms = 0.0  # moving average of model latency: the adaptive debounce follows it

    def debounce_ms(self) -> float:
        fixed = self.copilot.settings.inline_debounce_ms
        if fixed:
            return float(fixed)
        return min(250.0, max(25.0, 0.5 * self.model_ms))

    def from_cache(self, request: InlineRequest) -> InlineSuggestion | None:
        """A cached suggestion for this cursor (also one the user is typing through), or None."""
        prefix, suffix = request.text[: request.offset], request.text[request.offset :]
        hit = self.cache.get(prefix, suffix)
        if hit is None:
            return None
        multi = "\n" in hit.text
        return self._shown(InlineSuggestion(f"s{next(_ids)}", hit.text, multi, cached=True), request, prefix, suffix)

    def suggest(self, request: InlineRequest, cancel: CancelToken = NEVER_CANCELLED) -> InlineSuggestion | None:
        cached = self.from_cache(request)
        if cached is not None:
            return cached
        text, offset = request.text, request.offset
        prefix, suffix = text[:offset], text[offset:]
        source = text.encode("utf-8")
        byte_offset = len(prefix.encode("utf-8"))
        multi = is_multi_line(request.tree, source, byte_offset)

        backend = self.copilot.backend
        line = prefix.count("\n")
        context = build_context(text, line, request.game, request.hooked_events, request.lookup, request.defined_here)
        prompt = build_inline_prompt(backend, text, offset, request.path, context, multi)
        settings = self.copilot.settings
        options = settings.generation_options(
            settings.inline_max_tokens,
            prompt.stops,
            timeout_s=settings.inline_time_cap_ms / 1000 if settings.inline_time_cap_ms else None,
            choice=request.choice,
            choice_after=request.choice_after,
        )
        if request.choice is not None:
            log.debug("inline: the string at the cursor names one of %d %s names (%d fit %r)", len(request.choice.names),
                     request.choice.kind, len(request.choice.remaining()), request.choice.typed)  # fmt: skip
        started = time.perf_counter()
        if prompt.kind == "chat":
            completion = backend.chat(prompt.messages, options, cancel)
            raw = read_hole_filler_answer(completion.text)
        else:
            completion = backend.complete(prompt.prompt, options, cancel)
            raw = completion.text
        if request.choice is not None and not backend.constrains_choice:
            raw = nearest_choice(raw, request.choice)  # checked after the fact, then by the guard
        elapsed = (time.perf_counter() - started) * 1000
        self.model_ms = elapsed if not self.model_ms else 0.7 * self.model_ms + 0.3 * elapsed
        self.copilot.account(completion)

        window = prompt.window
        truncated = completion.finish_reason in ("length", "time")
        ctx = FilterContext(window.current_line_prefix, window.suffix, multi, window.stable_prefix[-400:], truncated)
        cleaned = postprocess(raw, ctx)
        if not cleaned:
            column = len(prefix) - prefix.rfind("\n")
            log.debug("inline: nothing to suggest at %d:%d (the filters left nothing of the answer)", line + 1, column)
            return None
        guarded = self._guard(request, source, byte_offset, cleaned)
        if guarded is None:
            return None
        suggestion_text, fixed = guarded
        self.cache.put(prefix, suffix, suggestion_text)
        suggestion = InlineSuggestion(f"s{next(_ids)}", suggestion_text, multi, False, fixed, completion.usage, elapsed)
        return self._shown(suggestion, request, window.prefix, window.suffix)

    def _guard(
        self, request: InlineRequest, source: bytes, offset: int, snippet: str
    ) -> tuple[str, tuple[str, ...]] | None:
        start, end = _enclosing_item(request.tree, offset, source)
        before = source[start:offset].decode("utf-8", "replace")
        after = source[offset:end].decode("utf-8", "replace")
        budget = Budget(GUARD_BUDGET_S)
        try:
            checked = guard_insertion(before, snippet, after, self.copilot.config, request.path or "plugin.sp",
                                      scope=request.scope, budget=budget)  # fmt: skip
            # (closers an editor auto-inserted after the cursor are replaced by the suggestion, not kept)
            covered = auto_closed_overlap(checked.code, after.split("\n", 1)[0])
            with_it = _syntax_errors(before + checked.code + after[len(covered) :], budget)
            broken = with_it - _syntax_errors(before + after, budget)
        except AnalysisStopped:
            log.info("inline suggestion withheld: the guard could not check it within %g s", GUARD_BUDGET_S)
            return None
        errors = [d for d in checked.remaining if d.severity == Severity.ERROR]
        if errors:
            log.info("inline suggestion withheld: %s", "; ".join(f"{d.code} {d.message}" for d in errors))
            return None
        if broken > 0:  # (SmolLM2 writes C++ lambdas, `[](int client) {`, into SourcePawn)
            log.info("inline suggestion withheld: it adds %d syntax error(s) to its function", broken)
            return None
        return checked.code, tuple(sorted({d.code for d in checked.fixed}))

    def _shown(
        self, suggestion: InlineSuggestion, request: InlineRequest, prefix: str, suffix: str
    ) -> InlineSuggestion:
        model = self.copilot.loaded.model if self.copilot.loaded else ""
        self.feedback.shown(Shown(suggestion.id, model, request.path, prefix[-4000:], suffix[:2000], suggestion.text))
        return suggestion


def _syntax_errors(text: str, budget: Budget) -> int:
    from spcopilot.diagnostics.parsing import parse
    from spcopilot.diagnostics.syntax import syntax_problems

    source = text.encode("utf-8")
    return len(syntax_problems(parse(source, budget=budget), source))


# The guard parses and lints text of its own: the top-level item around the cursor, or without a
# tree of this very text (the analysis has not caught up with the last keystrokes) the whole
# document; past WHOLE_TEXT_LIMIT, only the lines within GUARD_WINDOW bytes of the cursor, and of
# a line longer than that only its bytes within it. Whole megabyte documents, or a megabyte line
# that is one item, parsed here stalled every other request of the server (bench/fuzz_lsp.py:
# 0.74 s). The window's cut ends are far from the snippet; the guard reads only findings that
# touch it.
WHOLE_TEXT_LIMIT = 64 * 1024
GUARD_WINDOW = 16 * 1024
GUARD_BUDGET_S = 0.5  # for all the guard's parses and lints of one suggestion: past it, withheld


def _enclosing_item(tree: Tree | None, offset: int, source: bytes) -> tuple[int, int]:
    """The byte span the guard reads around `offset` (see above)."""
    start, end = 0, len(source)
    if tree is not None:
        start, end = offset, offset
        for child in tree.root_node.children:
            if child.start_byte <= offset <= child.end_byte and child.type != "comment":
                start, end = child.start_byte, child.end_byte
                break
    if end - start <= WHOLE_TEXT_LIMIT:
        return start, end
    low, high = max(start, offset - GUARD_WINDOW), min(end, offset + GUARD_WINDOW)
    if low > start:  # from the start of the line at `low`, unless that line is itself too long
        newline = source.rfind(b"\n", max(start, low - GUARD_WINDOW), low)
        low = newline + 1 if newline >= 0 else low
    if high < end:  # to the end of the line at `high`, likewise
        newline = source.find(b"\n", high, min(end, high + GUARD_WINDOW))
        high = newline if newline >= 0 else high
    return low, high
