"""Examples sized for training, and what would be cut when they are not.

A trainer cuts every example at its sequence length (`max_seq_length`, 4,096 tokens in the GPU
configs): a whole 50 KB plugin loses its end, `<|im_end|>` included, and the model learns
plugins that stop mid-function. So `data prepare` never writes an example longer than
`--max-tokens`: a plugin that does not fit becomes several examples instead,

- a skeleton: the plugin without its larger functions (includes, ConVars, globals, myinfo, the
  setup forwards such as OnPluginStart), asked for as the first part of the plugin;
- parts: the functions left out, grouped by what they are (event handlers, command callbacks,
  timer callbacks, other functions) and packed into answers that fit, each asked for with the
  skeleton as context when that fits too;

and a single function longer than the limit is left out (counted: `functions_too_long`, tokens).

Token counts here are the server's estimate (about 3.5 bytes a token for code). The trainer knows
the real tokenizer: `truncation_report(lengths, max_length)` and `check_truncation(...)` are for
it (`sft_data.chat_truncation` measures a chat set with the model's own chat template), so a set
where more than `max_share` of the examples would be cut is refused with a clear message rather
than trained on silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from spcopilot.diagnostics.parsing import Node, parse
from spcopilot.server.ai.inline.prompt import estimate_tokens
from spcopilot.training.errors import DatasetError

DEFAULT_MAX_TOKENS = 4096
DEFAULT_MAX_TRUNCATED_SHARE = 0.02
MESSAGE_OVERHEAD = 8  # role markers and separators of a chat template, per message
# Forwards that set a plugin up: they stay in the skeleton while they fit.
SETUP_FORWARDS = frozenset(
    {
        "OnPluginStart", "AskPluginLoad2", "OnAllPluginsLoaded", "OnLibraryAdded", "OnLibraryRemoved",
        "OnConfigsExecuted", "OnMapStart", "OnMapEnd", "OnPluginEnd",
    }
)  # fmt: skip


def tokens(text: str) -> int:
    return estimate_tokens(text)


def chat_tokens(messages: list[dict]) -> int:
    return sum(tokens(str(m.get("content", ""))) + MESSAGE_OVERHEAD for m in messages)


def record_tokens(record: dict) -> int:
    """Estimated tokens of a training record as a trainer sees it: a chat example, a preference
    pair (prompt + the longer answer) or a FIM hole (prefix + suffix + middle)."""
    if "messages" in record:
        return chat_tokens(record["messages"])
    if "chosen" in record and "prompt" in record:
        prompt = record["prompt"]
        prompt_tokens = chat_tokens(prompt) if isinstance(prompt, list) else tokens(str(prompt))
        answers = [
            chat_tokens(a) if isinstance(a, list) else tokens(str(a)) for a in (record["chosen"], record["rejected"])
        ]
        return prompt_tokens + max(answers)
    if "middle" in record:
        return sum(tokens(str(record.get(k, ""))) for k in ("prefix", "suffix", "middle")) + MESSAGE_OVERHEAD
    return tokens(str(record.get("text", "")))


# ---- truncation: what a trainer would cut ---------------------------------------------------------
@dataclass(slots=True)
class Truncation:
    max_length: int
    records: int = 0
    truncated: int = 0  # records longer than max_length
    tokens: int = 0  # all tokens
    tokens_lost: int = 0  # tokens beyond max_length, summed
    longest: int = 0

    @property
    def share(self) -> float:
        return self.truncated / self.records if self.records else 0.0

    def add(self, length: int) -> None:
        self.records += 1
        self.tokens += length
        self.longest = max(self.longest, length)
        if length > self.max_length:
            self.truncated += 1
            self.tokens_lost += length - self.max_length

    def to_json(self) -> dict[str, object]:
        return {
            "max_length": self.max_length,
            "records": self.records,
            "truncated": self.truncated,
            "share": round(self.share, 4),
            "tokens": self.tokens,
            "tokens_lost": self.tokens_lost,
            "longest": self.longest,
        }


def truncation_report(lengths: Iterable[int], max_length: int) -> Truncation:
    """How many examples of these token lengths a trainer would cut at `max_length`, and how many
    tokens it would drop."""
    report = Truncation(max_length)
    for length in lengths:
        report.add(int(length))
    return report


def chat_truncation(records: Iterable[dict], tokenizer: Any, max_length: int) -> Truncation:
    """The truncation of a chat set with the model's own chat template: what the SFT trainer's
    `tokenize_chat` would cut at `max_length` (call it before training; `check_truncation` on the
    result refuses a set where too much would be cut)."""
    lengths = []
    for record in records:
        ids = tokenizer.apply_chat_template(record["messages"], tokenize=True)
        if isinstance(ids, dict) or hasattr(ids, "keys"):
            ids = ids["input_ids"]
        lengths.append(len(ids))
    return truncation_report(lengths, max_length)


def check_truncation(report: Truncation, max_share: float = DEFAULT_MAX_TRUNCATED_SHARE, what: str = "the set") -> None:
    """Refuse a set where more than `max_share` of the examples would be cut."""
    if report.records and report.share > max_share:
        raise DatasetError(
            f"{what}: {report.truncated} of {report.records} examples ({100 * report.share:.1f} %) are longer than "
            f"{report.max_length} tokens and would be cut ({report.tokens_lost} tokens lost, the longest "
            f"{report.longest}); the limit is {100 * max_share:.1f} %. Prepare the data again with "
            f"`spcopilot data prepare --max-tokens {report.max_length}` (long plugins become several examples), "
            "or raise the sequence length"
        )


# ---- splitting a long plugin ----------------------------------------------------------------------
@dataclass(slots=True)
class Function:
    name: str
    start: int  # byte span, its leading comment included
    end: int
    code: str
    tokens: int


@dataclass(slots=True)
class Split:
    skeleton: str = ""  # "" when even the skeleton does not fit
    kept: list[str] = field(default_factory=list)  # functions left in the skeleton
    moved: list[Function] = field(default_factory=list)  # functions for the parts, in source order
    too_long: list[Function] = field(default_factory=list)  # functions longer than the limit alone
    skeleton_tokens: int = 0


def top_level_functions(text: str) -> list[Function]:
    source = text.encode("utf-8")
    root = parse(source).root_node
    out = []
    children = root.children
    for i, node in enumerate(children):
        if node.type != "function_definition":
            continue
        name_node = node.child_by_field_name("name")
        start = _leading_comment_start(children, i, source)
        code = source[start : node.end_byte].decode("utf-8", "replace")
        name = source[name_node.start_byte : name_node.end_byte].decode("utf-8", "replace") if name_node else ""
        out.append(Function(name, start, node.end_byte, code, tokens(code)))
    return out


def _leading_comment_start(siblings: list[Node], index: int, source: bytes) -> int:
    """Where a function starts, counting the comment right above it (its documentation)."""
    start = siblings[index].start_byte
    j = index - 1
    while j >= 0 and siblings[j].type == "comment" and source[siblings[j].end_byte : start].count(b"\n") <= 1:
        start = siblings[j].start_byte
        j -= 1
    return start


LONG_COMMENT_LINES = 12


def _long_comments(text: str) -> list[tuple[int, int]]:
    """Byte spans of top-level comments over LONG_COMMENT_LINES lines (changelogs, licences): a
    skeleton leaves them out."""
    source = text.encode("utf-8")
    return [
        (n.start_byte, n.end_byte)
        for n in parse(source).root_node.children
        if n.type == "comment" and source[n.start_byte : n.end_byte].count(b"\n") >= LONG_COMMENT_LINES
    ]


def split_plugin(text: str, budget: int) -> Split:
    """The skeleton (at most `budget` tokens: the file without its long comments and without
    its larger functions) and the functions moved out of it."""
    functions = top_level_functions(text)
    comments = _long_comments(text)
    out = Split()
    movable = sorted((f for f in functions if f.name not in SETUP_FORWARDS), key=lambda f: -f.tokens)
    setup = sorted((f for f in functions if f.name in SETUP_FORWARDS), key=lambda f: -f.tokens)
    removed: set[str] = set()
    source = text.encode("utf-8")
    total = tokens(text) - sum(tokens(source[a:b].decode("utf-8", "replace")) for a, b in comments)
    for f in [*movable, *setup]:
        if total <= budget:
            break
        removed.add(f.name)
        total -= f.tokens
    cuts = sorted([(f.start, f.end) for f in functions if f.name in removed] + comments)
    pieces, last = [], 0
    for start, end in cuts:
        if start < last:
            continue  # a long comment that documents a removed function went with it
        pieces.append(source[last:start])
        last = _after_blank_line(source, end)
    pieces.append(source[last:])
    skeleton = b"".join(pieces).decode("utf-8", "replace").rstrip() + "\n"
    out.skeleton_tokens = tokens(skeleton)
    out.skeleton = skeleton if out.skeleton_tokens <= budget else ""
    out.kept = [f.name for f in functions if f.name not in removed]
    for f in functions:
        if f.name in removed or not out.skeleton:
            (out.too_long if f.tokens > budget else out.moved).append(f)
    return out


def _after_blank_line(source: bytes, end: int) -> int:
    """The end of a removed function, with the line break and one blank line after it."""
    at = end
    for _ in range(2):
        newline = source.find(b"\n", at)
        if newline < 0 or source[at:newline].strip():
            break
        at = newline + 1
    return at


def pack(functions: list[Function], budget: int) -> list[list[Function]]:
    """Consecutive functions packed into groups of at most `budget` tokens (a function longer than
    the budget alone is left to the caller)."""
    groups: list[list[Function]] = []
    current: list[Function] = []
    used = 0
    for f in functions:
        if current and used + f.tokens + 2 > budget:
            groups.append(current)
            current, used = [], 0
        current.append(f)
        used += f.tokens + 2
    if current:
        groups.append(current)
    return groups
