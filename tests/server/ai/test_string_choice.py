"""The constraint's bookkeeping without a model: which tokens continue a name, when it steps
aside, and the after-the-fact check other backends get (nearest name)."""

from __future__ import annotations

from spcopilot.server.ai.backends.base import StringChoice
from spcopilot.server.ai.backends.string_choice import ChoiceDecoder, TokenPieces, nearest_choice

EVENTS = ("player_death", "player_hurt", "player_spawn", "tank_spawn")
# A vocabulary with whole words, single bytes, and a token that closes the string and goes on.
VOCAB = [b"", b"player", b"_", b"death", b"hurt", b"spawn", b'"', b'",', b'");', b"tank", b"p", b"x", b"pla", b"yer"]


def ids(*pieces: bytes) -> list[int]:
    return sorted(VOCAB.index(p) for p in pieces)


def test_allowed_tokens_follow_the_names_then_step_aside() -> None:
    decoder = ChoiceDecoder(StringChoice("event", EVENTS, "pla"), TokenPieces(VOCAB))
    assert decoder.active and decoder.allowed() == ids(b"yer")
    decoder.advance(b"yer")
    assert decoder.allowed() == ids(b"_")
    decoder.advance(b"_")
    assert decoder.allowed() == ids(b"death", b"hurt", b"spawn")
    decoder.advance(b"hurt")
    assert decoder.allowed() == ids(b'"', b'",', b'");')  # the closing quote, alone or with more
    decoder.advance(b'",')
    assert not decoder.active  # the string is closed: the rest is free


def test_a_processor_only_masks_while_active() -> None:
    import numpy as np

    decoder = ChoiceDecoder(StringChoice("event", EVENTS, ""), TokenPieces(VOCAB))
    scores = np.arange(len(VOCAB), dtype=np.float32)
    masked = decoder(None, scores.copy())
    allowed = ids(b"player", b"tank", b"p", b"pla")
    assert [i for i in range(len(VOCAB)) if np.isfinite(masked[i])] == allowed
    assert all(masked[i] == scores[i] for i in allowed)
    unmatched = ChoiceDecoder(StringChoice("event", EVENTS, "my_mod"), TokenPieces(VOCAB))
    assert not unmatched.active and (unmatched(None, scores) == scores).all()


def test_nearest_choice_for_backends_that_cannot_constrain() -> None:
    choice = StringChoice("event", EVENTS, "player_")
    assert nearest_choice('deth", Event_Death);', choice) == 'death", Event_Death);'
    assert nearest_choice('hurt", Event_Hurt);', choice) == 'hurt", Event_Hurt);'  # a real name: as is
    assert nearest_choice('zzzzzzzzzz", E);', choice) == 'zzzzzzzzzz", E);'  # nothing near: the guard speaks
    assert nearest_choice("deth", choice) == "deth"  # the string is not closed
    assert nearest_choice('x", E);', StringChoice("event", EVENTS, "my_")) == 'x", E);'  # typed starts no name
