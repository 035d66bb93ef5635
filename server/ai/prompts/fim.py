"""Fill-in-the-middle templates per model family, picked from the model's own FIM tokens.

| family           | prompt (PSM order)                                           | end of middle |
|------------------|--------------------------------------------------------------|---------------|
| qwen2.5-coder    | `<|fim_prefix|>P<|fim_suffix|>S<|fim_middle|>` (+ repo context with `<|repo_name|>`, `<|file_sep|>`) | `<|endoftext|>`, `<|file_sep|>` |
| starcoder2       | `<fim_prefix>P<fim_suffix>S<fim_middle>` (+ `<repo_name>`, `<file_sep>`) | `<|endoftext|>`, `<file_sep>` |
| codellama        | `<PRE> P <SUF>S <MID>` (the spaces are part of the format)   | `<EOT>` |
| deepseek-coder   | `<｜fim▁begin｜>P<｜fim▁hole｜>S<｜fim▁end｜>`                 | `<|EOT|>`, `<｜end▁of▁sentence｜>` |

Models without FIM tokens get the prefix only (`prefix_only`). Chat-only models (an OpenAI
fine-tune) get the hole-filler prompt: the code with a `<FILL>` marker, the answer between
`<COMPLETION>` tags. The prefix comes first in every template so that, while the user types on
one line, everything before the current line stays byte-stable and llama.cpp reuses its KV cache.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from spcopilot.server.ai.backends.base import Message


@dataclass(frozen=True, slots=True)
class RepoFile:
    """Another file shown to a repo-level model before the one being edited (e.g. an include)."""

    path: str
    text: str


@dataclass(frozen=True, slots=True)
class FimFamily:
    name: str
    prefix: str
    suffix: str
    middle: str
    stops: tuple[str, ...]  # the model's end-of-middle tokens
    repo_name: str = ""
    file_sep: str = ""
    spaced: bool = False  # CodeLlama: "<PRE> " + prefix + " <SUF>" + suffix + " <MID>"

    @property
    def tokens(self) -> tuple[str, ...]:
        return tuple(t for t in (self.prefix, self.suffix, self.middle, self.repo_name, self.file_sep) if t)

    def render(self, prefix: str, suffix: str, path: str = "", repo: str = "", files: Sequence[RepoFile] = ()) -> str:
        if self.spaced:
            return f"{self.prefix} {prefix} {self.suffix}{suffix} {self.middle}"
        head = ""
        if self.file_sep and (files or path):
            if repo and self.repo_name:
                head += f"{self.repo_name}{repo}\n"
            for f in files:
                head += f"{self.file_sep}{f.path}\n{f.text}\n"
            head += f"{self.file_sep}{path or 'plugin.sp'}\n"
        return f"{head}{self.prefix}{prefix}{self.suffix}{suffix}{self.middle}"


FAMILIES: dict[str, FimFamily] = {
    f.name: f
    for f in (
        FimFamily(
            "qwen2.5-coder",
            "<|fim_prefix|>",
            "<|fim_suffix|>",
            "<|fim_middle|>",
            ("<|endoftext|>", "<|file_sep|>", "<|fim_pad|>", "<|im_end|>"),
            repo_name="<|repo_name|>",
            file_sep="<|file_sep|>",
        ),
        FimFamily(
            "starcoder2",
            "<fim_prefix>",
            "<fim_suffix>",
            "<fim_middle>",
            ("<|endoftext|>", "<file_sep>", "<fim_pad>"),
            repo_name="<repo_name>",
            file_sep="<file_sep>",
        ),
        FimFamily("codellama", "<PRE>", "<SUF>", "<MID>", ("<EOT>", "</s>"), spaced=True),
        FimFamily(
            "deepseek-coder",
            "<｜fim▁begin｜>",
            "<｜fim▁hole｜>",
            "<｜fim▁end｜>",
            ("<|EOT|>", "<｜end▁of▁sentence｜>"),
        ),
    )
}

# Every special token any family uses: none of them may reach the user (post-processing strips them).
SPECIAL_TOKENS = tuple(
    sorted({t for f in FAMILIES.values() for t in (*f.tokens, *f.stops)} | {"<|im_start|>"}, key=len, reverse=True)
)


def family_for_tokens(vocabulary_has: Iterable[str]) -> FimFamily | None:
    """The family whose prefix/suffix/middle tokens are all single tokens of this model."""
    have = set(vocabulary_has)
    for family in FAMILIES.values():
        if {family.prefix, family.suffix, family.middle} <= have:
            return family
    return None


def candidate_tokens() -> list[str]:
    """The token texts a backend checks its vocabulary for."""
    return sorted({t for f in FAMILIES.values() for t in (f.prefix, f.suffix, f.middle)})


def render_fim(family: str, prefix: str, suffix: str, path: str = "", files: Sequence[RepoFile] = ()) -> str:
    """The serving format of a FIM prompt (training renders its completion examples with this)."""
    try:
        chosen = FAMILIES[family]
    except KeyError:
        raise ValueError(f"unknown FIM family {family!r}: one of {', '.join(FAMILIES)}") from None
    return chosen.render(prefix, suffix, path, files=files)


def prefix_only(prefix: str, header: str = "") -> str:
    """For models without FIM tokens: continue the prefix (context notes as a leading comment)."""
    return header + prefix


FILL = "<FILL>"
COMPLETION_OPEN, COMPLETION_CLOSE = "<COMPLETION>", "</COMPLETION>"

HOLE_FILLER_INSTRUCTIONS = (
    f"You complete SourcePawn code. The user shows a file with a hole marked {FILL}. "
    f"Answer with only the code that replaces {FILL}, between {COMPLETION_OPEN} and {COMPLETION_CLOSE}, "
    "indented to fit, without repeating the code around the hole."
)


def hole_filler_messages(system: str, prefix: str, suffix: str, notes: str = "") -> list[Message]:
    """The prompt for chat-only models; the answer is read with `read_hole_filler_answer`."""
    user = f"{notes}\n\n" if notes else ""
    user += f"```sourcepawn\n{prefix}{FILL}{suffix}\n```"
    return [Message("system", f"{system}\n\n{HOLE_FILLER_INSTRUCTIONS}"), Message("user", user)]


_COMPLETION = re.compile(re.escape(COMPLETION_OPEN) + r"(.*?)(?:" + re.escape(COMPLETION_CLOSE) + r"|$)", re.S)


def read_hole_filler_answer(answer: str) -> str:
    """The text between the completion tags; nothing when the model did not use them."""
    match = _COMPLETION.search(answer)
    return match.group(1) if match else ""
