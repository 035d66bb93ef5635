"""Needle counts kept across edits equal a fresh count of the new text, and the changed span
is exact: before it and after it the two texts agree."""

from __future__ import annotations

import random
import re

import pytest
from spcopilot.diagnostics.game import MENTION, MENTION_SPAN
from spcopilot.diagnostics.text_counts import Pattern, TextCounts, changed_span, occurrences

NEEDLES = (b"aa", b"ab", b"Engine_TF2", b"myinfo", b"\n\n")
ALPHABET = [b"a", b"b", b"\n", b" ", b"Engine_TF2", b"myinfo", b"left 4 dead 2", b"L4D2", b"xl4d2", b"4"]


def test_changed_span_examples() -> None:
    assert changed_span(b"abcdef", b"abXdef") == (2, 3, 3)
    assert changed_span(b"abc", b"abc") == (3, 3, 3)
    assert changed_span(b"", b"xyz") == (0, 0, 3)
    assert changed_span(b"aaaa", b"aaaaa") == (4, 4, 5)  # the suffix never overlaps the prefix
    big = bytes(range(256)) * 100
    assert changed_span(big, big[:9000] + b"!" + big[9001:]) == (9000, 9001, 9001)


@pytest.mark.parametrize("seed", range(20))
def test_counts_follow_random_edits(seed: int) -> None:
    rng = random.Random(seed)
    text = b"".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 300)))
    mentions = Pattern(MENTION, *MENTION_SPAN)
    counts = TextCounts(text)
    for needle in NEEDLES:
        counts.count(needle)
    counts.places(mentions)
    for _ in range(40):
        start = rng.randrange(len(text) + 1)
        end = min(len(text), start + rng.choice([0, 1, 3, 10]))
        new = b"".join(rng.choice(ALPHABET) for _ in range(rng.choice([0, 1, 2])))
        edited = text[:start] + new + text[end:]
        span = changed_span(text, edited)
        assert text[: span[0]] == edited[: span[0]]
        assert text[span[1] :] == edited[span[2] :]
        counts.update(edited, span)
        text = edited
        for needle in NEEDLES:
            assert counts.count(needle) == occurrences(text, needle), needle
        lowered = text.lower()
        expected = sum(1 for p in range(len(text) + 1) if re.compile(MENTION.pattern).match(lowered, p))
        assert counts.places(mentions) == expected
