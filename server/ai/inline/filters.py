"""Post-processing of a raw suggestion: small filters, each a pure function `(text, ctx) -> text`
with golden cases in tests/server/ai/test_inline_filters.py. Applied in `FILTERS` order; an
empty result means "no suggestion"."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from spcopilot.server.ai.prompts.fim import SPECIAL_TOKENS


@dataclass(frozen=True, slots=True)
class FilterContext:
    line_prefix: str  # the cursor line's text before the cursor
    suffix: str  # the document text after the cursor (a window of it)
    multi_line: bool
    prefix_tail: str = ""  # the last lines before the cursor line
    truncated: bool = False  # the model was stopped by the length or time cap, not by a stop


Filter = Callable[[str, FilterContext], str]
_FENCE_LINE = re.compile(r"^\s*```[\w+-]*\s*$")
_OPEN, _CLOSE = "([{", ")]}"
_PAIRS = dict(zip(_CLOSE, _OPEN, strict=True))


def strip_special_tokens(text: str, ctx: FilterContext) -> str:
    """Cut at the first leaked special token (`<|endoftext|>`, `<|file_sep|>`, `<EOT>`, …)."""
    cut = min((i for i in (text.find(t) for t in SPECIAL_TOKENS) if i >= 0), default=-1)
    return text[:cut] if cut >= 0 else text


def strip_markdown_fences(text: str, ctx: FilterContext) -> str:
    """Chat models wrap code in ``` fences; an editor suggestion never contains one."""
    lines = text.split("\n")
    if any(_FENCE_LINE.match(line) for line in lines):
        lines = [line for line in lines if not _FENCE_LINE.match(line)]
        # a fence opening on the first line leaves a leading newline: drop it
        while lines and not lines[0].strip() and len(lines) > 1:
            lines.pop(0)
        return "\n".join(lines).rstrip("\n")
    return text


def single_line(text: str, ctx: FilterContext) -> str:
    """In single-line mode, only the rest of the current line."""
    return text if ctx.multi_line else text.split("\n", 1)[0]


def strip_repeated_indent(text: str, ctx: FilterContext) -> str:
    """The cursor sits after the line's indentation and the model indents its first line again
    (SmolLM2 writes `\tif (i == 1)` after two tabs): drop the first line's extra indentation, and
    the same amount from the lines after it, which the model indented from there."""
    if not ctx.line_prefix or ctx.line_prefix.strip():
        return text
    head, *rest = text.split("\n")
    extra = _indent(head)
    if not extra:
        return text
    return "\n".join([head[len(extra) :], *(line.removeprefix(extra) for line in rest)])


def _in_string(line: str) -> bool:
    quotes = 0
    for i, ch in enumerate(line):
        if ch == '"' and (i == 0 or line[i - 1] != "\\"):
            quotes += 1
    return quotes % 2 == 1


def drop_unfinished_end(text: str, ctx: FilterContext) -> str:
    """A generation cut by the time or length cap ends mid-line, maybe mid-word: keep the complete
    lines; of a single line, the part up to its last `;`, `{` or `}` with every bracket and string
    before it closed (`addEventListener(event` and `add` are not shown)."""
    if not ctx.truncated or text.endswith("\n"):  # (cut right after a line: every line is whole)
        return text
    if "\n" in text:
        return text.rsplit("\n", 1)[0].rstrip()
    if _in_string(ctx.line_prefix):  # the text of a string: whole words only
        return text[: text.rfind(" ") + 1]
    for end in range(len(text), 0, -1):
        if text[end - 1] in ";{}" and not _unclosed(text[:end]) and not _in_string(text[:end]):
            return text[:end]
    return ""


def drop_repeat_of_text_before(text: str, ctx: FilterContext) -> str:
    """No suggestion whose first line the cursor line already ends with: right after a
    suggestion is accepted, the editor asks again at the end of the inserted text, and a model
    that answers the same (it saw the same context a moment ago) would have it written twice
    (`HookEvent("player_incapacitated", Event_Incap);player_incapacitated", Event_Incap);`)."""
    first = text.split("\n", 1)[0].rstrip()
    if len(first.strip()) >= 4 and re.search(r"\w", first) and ctx.line_prefix.rstrip().endswith(first):
        return ""
    return text


def trim_suffix_overlap(text: str, ctx: FilterContext) -> str:
    """Drop the end of the suggestion that repeats the text right after the cursor: a model that
    writes `x);` before an existing `);` would otherwise double it."""
    rest = ctx.suffix.split("\n", 1)[0] if not ctx.multi_line else ctx.suffix
    rest = rest.rstrip()
    if not rest.strip():
        return text
    for size in range(min(len(text), len(rest)), 0, -1):
        if text.endswith(rest[:size]) and rest[:size].strip():
            return text[: len(text) - size]
    return text


def drop_repeated_lines(text: str, ctx: FilterContext) -> str:
    """Cut a suggestion when it starts repeating itself (a line that already occurred in it, a
    run of identical lines) or copies the lines right after the cursor."""
    lines = text.split("\n")
    seen: set[str] = set()
    after = [line.strip() for line in ctx.suffix.split("\n")[1:4] if line.strip()]
    for i, line in enumerate(lines):
        key = line.strip()
        if i > 0 and key and len(key) > 3 and key in seen:
            return "\n".join(lines[:i]).rstrip()
        if i > 0 and after and len(key) > 3 and key == after[0] and _same(lines[i:], after):
            return "\n".join(lines[:i]).rstrip()
        seen.add(key)
    return text


def _same(lines: list[str], expected: list[str]) -> bool:
    got = [line.strip() for line in lines if line.strip()][: len(expected)]
    return got == expected[: len(got)] and len(got) >= min(2, len(expected))


def drop_duplicate_closing(text: str, ctx: FilterContext) -> str:
    """A suggestion ending with `}` (or `};`) when the code after the cursor already closes the
    block at that indentation: drop the suggestion's closer."""
    if not ctx.multi_line:
        return text
    lines = text.rstrip().split("\n")
    last = lines[-1]
    if last.strip() not in ("}", "};"):
        return text
    following = [line for line in ctx.suffix.split("\n") if line.strip()]
    if not following or following[0].strip() != last.strip():
        return text
    last_indent = _indent(last) if len(lines) > 1 else _indent(ctx.line_prefix)
    next_indent = _indent(following[0]) if ctx.suffix.split("\n", 1)[0].strip() == "" else last_indent
    if last_indent != next_indent:
        return text
    return "\n".join(lines[:-1]).rstrip()


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def balance_brackets(text: str, ctx: FilterContext) -> str:
    """Cut the suggestion where a closing bracket has no opener in the suggestion or in the
    current line before the cursor (it would close something the model cannot see, or close the
    enclosing block a second time)."""
    stack = [c for c in _unclosed(ctx.line_prefix)]
    # The enclosing block may be closed once, and only when the code after the cursor does not
    # close it already (the user is writing the end of the file).
    may_close_block = ctx.multi_line and not ctx.suffix.lstrip().startswith("}")
    in_string: str | None = None
    for i, ch in enumerate(text):
        if in_string:
            if ch == in_string and text[i - 1] != "\\":
                in_string = None
            continue
        if ch in "\"'":
            in_string = ch
        elif ch in _OPEN:
            stack.append(ch)
        elif ch in _CLOSE:
            if stack and stack[-1] == _PAIRS[ch]:
                stack.pop()
            elif ch == "}" and may_close_block and not stack:
                may_close_block = False
            else:
                return text[:i].rstrip()
    return text


def _unclosed(line: str) -> list[str]:
    stack: list[str] = []
    for ch in line:
        if ch in _OPEN:
            stack.append(ch)
        elif ch in _CLOSE and stack and stack[-1] == _PAIRS[ch]:
            stack.pop()
    return stack


def fix_indentation(text: str, ctx: FilterContext) -> str:
    """Continuation lines use the file's indentation: tabs when the cursor line is indented with
    tabs, spaces otherwise (a model trained on mixed code often switches)."""
    if "\n" not in text:
        return text
    indent = _indent(ctx.line_prefix) or _indent(ctx.prefix_tail.split("\n")[-1] if ctx.prefix_tail else "")
    if not indent:
        return text
    tab = indent.startswith("\t")
    head, *rest = text.split("\n")
    fixed = []
    for line in rest:
        lead = _indent(line)
        if tab and " " in lead:
            lead = lead.replace("    ", "\t")
        elif not tab and "\t" in lead:
            lead = lead.replace("\t", "    ")
        fixed.append(lead + line[len(_indent(line)) :])
    return "\n".join([head, *fixed])


def minimum_length(text: str, ctx: FilterContext) -> str:
    """Nothing worth showing: whitespace, or a lone punctuation mark."""
    meaningful = re.sub(r"\s", "", text)
    return "" if len(meaningful) < 2 and not re.search(r"\w", meaningful) else text.rstrip() if "\n" in text else text


FILTERS: tuple[Filter, ...] = (
    strip_special_tokens,
    strip_markdown_fences,
    drop_unfinished_end,
    single_line,
    strip_repeated_indent,
    drop_repeat_of_text_before,
    drop_repeated_lines,
    trim_suffix_overlap,
    drop_duplicate_closing,
    balance_brackets,
    fix_indentation,
    minimum_length,
)


def postprocess(text: str, ctx: FilterContext, filters: tuple[Filter, ...] = FILTERS) -> str:
    for f in filters:
        text = f(text, ctx)
        if not text:
            return ""
    return text
