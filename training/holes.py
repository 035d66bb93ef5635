"""Fill-in-the-middle holes cut from real files, windowed the way the server windows a request.

Three kinds, as an editor asks for them:
- `body`: a function's whole body (the cursor on the empty line after `{`; multi-line);
- `statement`: one statement, the cursor where it starts (multi-line);
- `line`: the rest of a line, the cursor after its `(` or `=` (single-line: no newline).

The prefix and suffix are cut exactly as the server cuts an inline request (its `cut_window`,
budgets and token estimate from `spcopilot.server.ai.inline.prompt`), and the record keeps the
prompt context the server would add (game, events the file hooks, and, with include folders, the
signatures used near the cursor: `build_context`). The trainer turns a record into the serving
prompt with the server's own `build_inline_prompt`; the eval split's holes are the hole-filling
benchmark.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import cast

from spcopilot.diagnostics.matching import query_matches
from spcopilot.diagnostics.parsing import Node, parse
from spcopilot.server.ai.backends.base import Backend
from spcopilot.server.ai.inline.prompt import (
    PREFIX_BUDGET,
    SUFFIX_BUDGET,
    InlinePrompt,
    build_inline_prompt,
    estimate_tokens,
)
from spcopilot.server.ai.prompts.context import Lookup, PromptContext, build_context
from spcopilot.server.ai.prompts.fim import FimFamily
from spcopilot.server.ai.prompts.window import cut_window

_BODIES = "(function_definition body: (block) @body)"
_STATEMENTS = """
(block [(expression_statement) (variable_declaration_statement) (condition_statement) (return_statement)
        (for_statement) (while_statement) (switch_statement) (delete_statement)] @statement)
"""
KINDS = ("body", "statement", "line")
MAX_BODY_LINES = 30
MAX_STATEMENT_LINES = 12


@dataclass(frozen=True, slots=True)
class Hole:
    kind: str
    start: int  # character offsets into the text
    end: int

    def middle(self, text: str) -> str:
        return text[self.start : self.end]


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def _line_end(text: str, offset: int) -> int:
    end = text.find("\n", offset)
    return len(text) if end < 0 else end


def candidate_holes(text: str) -> dict[str, list[Hole]]:
    """Every hole of each kind (character offsets; the tree's byte offsets converted)."""
    source = text.encode("utf-8")
    root = parse(source).root_node
    to_char = _ByteToChar(source)
    found: dict[str, list[Hole]] = {k: [] for k in KINDS}
    for _, caps in _matches(_BODIES, root):
        block = caps["body"][0]
        open_end = _line_end(text, to_char(block.start_byte)) + 1
        close_start = _line_start(text, to_char(block.end_byte - 1))
        if open_end < close_start and text[open_end:close_start].count("\n") <= MAX_BODY_LINES:
            found["body"].append(Hole("body", open_end, close_start))
    for _, caps in _matches(_STATEMENTS, root):
        node = caps["statement"][0]
        start, end = to_char(node.start_byte), to_char(node.end_byte)
        if text[_line_start(text, start) : start].strip():
            continue  # not the first thing on its line
        stop = min(_line_end(text, end) + 1, len(text))
        if text[end:stop].strip():
            continue  # something follows it on its last line
        if text[start:stop].count("\n") <= MAX_STATEMENT_LINES:
            found["statement"].append(Hole("statement", start, stop))
        if node.type in ("expression_statement", "variable_declaration_statement") and "\n" not in text[start:end]:
            line_end = _line_end(text, end)
            cut = next((i + 1 for i in range(start, end) if text[i] in "(="), None)
            if cut is not None and cut < line_end and text[cut:line_end].strip():
                found["line"].append(Hole("line", cut, line_end))
    return found


def _matches(query: str, root: Node) -> Iterator[tuple[int, dict[str, list[Node]]]]:

    return iter(query_matches(query, root))


class _ByteToChar:
    """Byte offsets (tree-sitter) to str indexes (Python), for non-ASCII sources."""

    def __init__(self, source: bytes) -> None:
        self.ascii = source.isascii()
        self.source = source

    def __call__(self, offset: int) -> int:
        if self.ascii:
            return offset
        return len(self.source[:offset].decode("utf-8", "replace"))


def choose_holes(text: str, key: str, count: int, avoid: Sequence[tuple[int, int]] = ()) -> list[Hole]:
    """Up to `count` non-overlapping holes, kinds taken in turn, order fixed by `key`; none
    overlaps a character span of `avoid` (functions the train split already has)."""
    candidates = {
        kind: [h for h in holes if all(h.end <= a or h.start >= b for a, b in avoid)]
        for kind, holes in candidate_holes(text).items()
    }

    def rank(hole: Hole) -> bytes:
        return hashlib.sha256(f"{key}:{hole.kind}:{hole.start}".encode()).digest()

    queues = {k: sorted(v, key=rank) for k, v in candidates.items()}
    chosen: list[Hole] = []
    while len(chosen) < count and any(queues.values()):
        for kind in KINDS:
            while queues[kind]:
                hole = queues[kind].pop(0)
                if all(hole.end <= c.start or hole.start >= c.end for c in chosen):
                    chosen.append(hole)
                    break
            if len(chosen) >= count:
                break
    return chosen


def hole_record(
    text: str,
    hole: Hole,
    repo: str,
    path: str,
    number: int,
    game: str,
    events: Sequence[str] = (),
    lookup: Lookup | None = None,
    defined_here: Callable[[str], bool] = lambda _: False,
) -> dict[str, object]:
    """A FIM record: the serving window around the hole, the middle, the prompt context the
    server would send with it, and where it came from."""
    without = text[: hole.start] + text[hole.end :]
    window = cut_window(without, hole.start, estimate_tokens, PREFIX_BUDGET, SUFFIX_BUDGET)
    line = without.count("\n", 0, hole.start)
    context = build_context(without, line, game, events, lookup, defined_here)
    return {
        "id": f"{repo}/{path}#{number}",
        "repo": repo,
        "path": path,
        "kind": hole.kind,
        "prefix": window.prefix,
        "suffix": window.suffix,
        "middle": hole.middle(text),
        "context": {"game": context.game, "events": list(context.events), "signatures": list(context.signatures)},
    }


class _ServingModel:
    """What `build_inline_prompt` asks of a backend: its FIM tokens, whether it is chat-only, and
    its size and window (unknown here: the default prompt budgets and system prompt)."""

    def __init__(self, family: FimFamily | None, chat: bool) -> None:
        self.is_chat_model = chat
        self.parameters: int | None = None
        self.context_window: int | None = None
        self.fim_tokens = (
            {"family": family.name, "prefix": family.prefix, "suffix": family.suffix, "middle": family.middle}
            if family is not None
            else None
        )


def serving_prompt(record: dict, family: FimFamily | None, chat: bool = False) -> InlinePrompt:
    """The prompt the server builds for this hole: FIM in `family`'s format, prefix-only when the
    model has no FIM tokens, or the hole-filler chat messages for a chat-only model."""
    context = record.get("context") or {}
    prompt_context = PromptContext(
        str(context.get("game", "l4d2")), tuple(context.get("events", ())), tuple(context.get("signatures", ()))
    )
    backend = cast("Backend", _ServingModel(family, chat))
    text = record["prefix"] + record["suffix"]
    return build_inline_prompt(
        backend, text, len(record["prefix"]), record["path"], prompt_context, multi_line=record.get("kind") != "line"
    )
