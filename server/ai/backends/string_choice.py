"""Decoding that cannot misname an event, an event field or a netprop (`GenerationOptions.choice`).

llama.cpp: a logits processor. Before each token it allows only the tokens whose bytes continue
the string towards one of the names followed by its closing quote (a token that writes the quote
and more, `");`, is allowed: what follows the quote is free); every other logit, the
end-of-generation tokens' included, becomes -inf, and the sampler (penalties, top-k/p, min-p,
temperature) picks among what is left. Once the closing quote is written the processor steps
aside. The allowed set is computed from the names' remaining bytes: for each name still possible,
the tokens that are a prefix of its rest (a dict lookup per prefix) and the tokens that start with
its whole rest (a range of the sorted pieces), so a step costs a few hundred lookups, not a pass
over the vocabulary.

Other backends (OpenAI-compatible servers cannot take a processor, and a grammar only on some
servers): `nearest_choice` checks the answer and replaces a name the catalogue lacks by the
nearest one that starts with what is typed.

When the typed text starts no name (`HookEvent("my_own_event`: a mod's event, or a typo) nothing
is forced or replaced: the model writes what it writes and the guard reports it (SPC201/SPC202
for events, SPC203 for fields, SPC304 for netprops).
"""

from __future__ import annotations

import difflib
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from spcopilot.diagnostics.knowledge.events import misnames
from spcopilot.server.ai.backends.base import StringChoice

QUOTE = b'"'
# How close a written name must be to a catalogue name to be replaced by it (difflib ratio; the
# event rules' own threshold for "did you mean").
NEAREST_CUTOFF = 0.75


class TokenPieces:
    """The bytes each token of a vocabulary writes (built once per model)."""

    def __init__(self, pieces: Sequence[bytes]) -> None:
        self.pieces = list(pieces)
        self.size = len(self.pieces)
        self.by_piece: dict[bytes, list[int]] = {}
        for token, piece in enumerate(self.pieces):
            if piece:
                self.by_piece.setdefault(piece, []).append(token)
        self._sorted = sorted(self.by_piece)

    def starting_with(self, head: bytes) -> Iterator[int]:
        """The tokens whose bytes start with `head`."""
        i = bisect_left(self._sorted, head)
        while i < len(self._sorted) and self._sorted[i].startswith(head):
            yield from self.by_piece[self._sorted[i]]
            i += 1


class ChoiceDecoder:
    """One constrained string during one generation: `allowed()` before each token, `advance()`
    with each token's bytes after it. Inactive from the start when no name fits what is typed."""

    def __init__(self, choice: StringChoice, pieces: TokenPieces) -> None:
        self.pieces = pieces
        self.targets = [name.encode("utf-8") + QUOTE for name in choice.remaining()]
        self.written = choice.typed.encode("utf-8")
        self.active = bool(self.targets)
        self._allowed: list[int] | None = None

    def allowed(self) -> list[int]:
        if self._allowed is None:
            found: set[int] = set()
            for target in self.targets:
                if not target.startswith(self.written):
                    continue
                rest = target[len(self.written) :]
                for k in range(1, len(rest)):
                    found.update(self.pieces.by_piece.get(rest[:k], ()))
                found.update(self.pieces.starting_with(rest))  # the closing quote, maybe with more
            self._allowed = sorted(found)
        return self._allowed

    def advance(self, piece: bytes) -> None:
        if not self.active:
            return
        self.written += piece
        self._allowed = None
        if QUOTE in self.written or not any(t.startswith(self.written) for t in self.targets):
            self.active = False  # the string is closed (or, which cannot happen, left the names)

    def __call__(self, _input_ids: Any, scores: Any) -> Any:
        """llama-cpp-python's LogitsProcessor: `scores` is the logits of the whole vocabulary."""
        if not self.active:
            return scores
        import numpy as np

        allowed = self.allowed()
        if not allowed:
            self.active = False
            return scores
        out = np.full_like(scores, -np.inf)
        out[allowed] = scores[allowed]
        return out


class ChoiceProcessor:
    """What llama.cpp calls before each token: the decoder of the string being written, if any.
    It starts with the string the cursor is in (`first`); after that, each generated token that
    writes a quote asks `later` whether the string it opens must name something (a multi-line
    suggestion writing `HookEvent("` of its own)."""

    def __init__(
        self,
        pieces: TokenPieces,
        first: StringChoice | None,
        later: Callable[[str], StringChoice | None] | None = None,
    ) -> None:
        self.pieces = pieces
        self.later = later
        self.decoder = ChoiceDecoder(first, pieces) if first is not None else None
        self.strings = int(self.decoder is not None and self.decoder.active)  # how many were constrained

    def advance(self, piece: bytes, generated: str) -> None:
        """After each token: its bytes, and the whole text generated so far."""
        if self.decoder is not None and self.decoder.active:
            self.decoder.advance(piece)
            return
        if self.later is None or QUOTE not in piece:
            return
        choice = self.later(generated)
        self.decoder = ChoiceDecoder(choice, self.pieces) if choice is not None else None
        self.strings += int(self.decoder is not None and self.decoder.active)

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        return self.decoder(input_ids, scores) if self.decoder is not None else scores


def nearest_choice(text: str, choice: StringChoice) -> str:
    """`text` continues a string that must name one of `choice.names`: when the name it closes is
    not one of them, the nearest one that starts with what is typed replaces it. Unchanged when the
    string does not close on this line, when nothing typed fits a name, when the name is a known
    misnamed event, or when no name is near (the guard reports or fixes it then)."""
    names = choice.remaining()
    end = text.find('"')
    if not names or end < 0 or "\n" in text[:end]:
        return text
    written = choice.typed + text[:end]
    if written in choice.names or (choice.kind == "event" and written in misnames()):
        return text  # (a known misname, `pounce`: the guard's SPC201 knows what was meant, `lunge_pounce`)
    near = difflib.get_close_matches(written, names, n=1, cutoff=NEAREST_CUTOFF)
    if not near:
        return text
    return near[0][len(choice.typed) :] + text[end:]
