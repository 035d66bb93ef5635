"""The constraint's bookkeeping without a model: which tokens continue a name, when it steps
aside, and the after-the-fact check other backends get (nearest name)."""

from __future__ import annotations

import json
from pathlib import Path

from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.engine import lint
from spcopilot.server.ai.backends.base import StringChoice
from spcopilot.server.ai.backends.string_choice import ChoiceDecoder, ChoiceProcessor, TokenPieces, nearest_choice
from spcopilot.server.ai.config import AISettings
from spcopilot.server.ai.inline.completer import InlineCompleter
from spcopilot.server.ai.inline.request import request_from_view
from spcopilot.server.ai.service import Copilot

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
    pounce = StringChoice("event", (*EVENTS, "lunge_pounce", "pounce_end"), "")
    assert nearest_choice('pounce", E);', pounce) == 'pounce", E);'  # a known misname: the guard's SPC201 fixes it
    assert nearest_choice('x", E);', StringChoice("event", EVENTS, "my_")) == 'x", E);'  # typed starts no name


PLUGIN = """#include <sourcemod>

public void OnPluginStart()
{
    HookEvent("%s
}

public void Event_Death(Event event, const char[] name, bool dontBroadcast)
{
}
"""


def replay_completer(tmp_path: Path, output: str) -> InlineCompleter:
    path = tmp_path / "replay.jsonl"
    path.write_text(json.dumps({"output": output}) + "\n")
    return InlineCompleter(Copilot(AISettings(backend="replay", replay_file=path)))


def test_the_inline_path_picks_the_nearest_name_for_a_backend_that_cannot_constrain(make_view, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    view, at = make_view(PLUGIN % "player_|")
    text = view.source.decode()
    request = request_from_view(text, len(view.source[:at].decode()), view, True, view.path)
    assert request.choice is not None and request.choice.typed == "player_"
    suggestion = replay_completer(tmp_path, 'deth", Event_Death);').suggest(request)
    assert suggestion is not None and suggestion.text == 'death", Event_Death);'


def test_an_unknown_typed_event_is_left_to_the_guard(make_view, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    view, at = make_view(PLUGIN % "my_mod_|")
    text = view.source.decode()
    request = request_from_view(text, len(view.source[:at].decode()), view, True, view.path)
    assert request.choice is not None and request.choice.remaining() == []
    suggestion = replay_completer(tmp_path, 'deth", Event_Death);').suggest(request)
    assert suggestion is not None and suggestion.text == 'deth", Event_Death);'  # nothing forced or replaced
    accepted = (text[: request.offset] + suggestion.text + text[request.offset :]).encode()
    codes = {d.code for d in lint(accepted, view.path, Config(game="l4d2"))}
    assert "SPC202" in codes  # a warning, so shown: it may be a mod's event, and the lint says so


def test_a_stale_or_missing_view_still_gives_the_choice(make_view) -> None:  # type: ignore[no-untyped-def]
    """The editor asks right after a keystroke, before the analysis caught up (or before the first
    one): the text is parsed into a view of its own for the cursor analysis."""
    old, _ = make_view(PLUGIN % "|")
    text = (PLUGIN % "player_|").replace("|", "")
    offset = text.index('HookEvent("player_') + len('HookEvent("player_')
    for view, current in ((old, False), (None, False)):
        request = request_from_view(text, offset, view, current)
        assert request.choice is not None and (request.choice.kind, request.choice.typed) == ("event", "player_")
    outside = text.index("public void Event_Death")
    assert request_from_view(text, outside, old, False).choice is None


def test_the_processor_arms_on_a_quote_the_suggestion_opens() -> None:
    asked: list[str] = []

    def later(generated: str) -> StringChoice | None:
        asked.append(generated)
        return StringChoice("event", EVENTS, "") if generated.endswith('HookEvent("') else None

    processor = ChoiceProcessor(TokenPieces(VOCAB), None, later)
    assert processor.decoder is None
    processor.advance(b"x", "\tx")  # no quote: nobody is asked
    processor.advance(b'"', '\tx("')
    assert asked == ['\tx("'] and processor.decoder is None  # a free string
    processor.advance(b'"', '\tHookEvent("')
    assert processor.decoder is not None and processor.decoder.active and processor.strings == 1
    processor.advance(b"tank", '\tHookEvent("tank')
    processor.advance(b"_", '\tHookEvent("tank_')
    processor.advance(b"spawn", '\tHookEvent("tank_spawn')
    processor.advance(b'",', '\tHookEvent("tank_spawn",')
    assert not processor.decoder.active and len(asked) == 2  # the closing quote is the decoder's


def test_choice_after_reads_the_generated_text_in_place(make_view) -> None:  # type: ignore[no-untyped-def]
    view, at = make_view(PLUGIN % "|")
    text = view.source.decode()
    offset = len(view.source[:at].decode())
    request = request_from_view(text, offset, view, True, view.path)
    assert request.choice is not None and request.choice_after is not None
    line = 'player_death", Event_Death);\n    '
    later = request.choice_after(line + 'HookEvent("player_')
    assert later is not None and (later.kind, later.typed) == ("event", "player_")
    assert request.choice_after(line + 'PrintToServer("') is None
    assert request.choice_after('player_death");') is None  # a closing quote
