"""Constrained decoding of catalogue names with the real llama.cpp: the tiny model (whose names
are noise unconstrained) must write only an event name's rest and the closing quote; a typed
prefix that starts no name forces nothing; and the real model, through the whole inline path
(the view's cursor analysis, prompt, model, filters, guard), completes `HookEvent("` with a real
event."""

from __future__ import annotations

import pytest
from spcopilot.diagnostics.knowledge.events import builtin_l4d2
from spcopilot.diagnostics.knowledge.netprops import l4d2_netprops
from spcopilot.server.ai.backends.base import GenerationOptions, StringChoice
from spcopilot.server.ai.backends.llamacpp import LlamaCppBackend
from spcopilot.server.ai.config import AISettings
from spcopilot.server.ai.inline.completer import InlineCompleter
from spcopilot.server.ai.inline.request import request_from_view
from spcopilot.server.ai.pretrained import PretrainedFiles
from spcopilot.server.ai.prompts.fim import render_fim
from spcopilot.server.ai.service import Copilot

from tests.server.features.helpers import cursor, view_of

EVENTS = tuple(builtin_l4d2().names())
HEAD = '#include <sourcemod>\n\npublic void OnPluginStart()\n{\n    HookEvent("'
TAIL = '", Event_X);\n}\n'


def written_name(typed: str, text: str) -> str | None:
    """The string's content, when the generated text closes it."""
    end = text.find('"')
    return typed + text[:end] if end >= 0 else None


def test_the_tiny_model_writes_only_event_names(llama_backend: LlamaCppBackend) -> None:
    names = set(EVENTS)
    free, kept = [], []
    for typed in ("", "player_", "tank_", "wi", "round_e"):
        prompt = render_fim("qwen2.5-coder", HEAD + typed, TAIL)
        for seed in (1, 2, 3):
            options = GenerationOptions(max_tokens=24, temperature=0.9, top_k=0, top_p=1.0, min_p=0.0, seed=seed)
            free.append(written_name(typed, llama_backend.complete(prompt, options).text))
            choice = StringChoice("event", EVENTS, typed)
            done = llama_backend.complete(prompt, GenerationOptions(**{**_fields(options), "choice": choice}))
            kept.append(written_name(typed, done.text))
    assert all(name in names for name in kept), kept
    assert sum(name in names for name in free) < len(free) // 2, free  # unconstrained: mostly noise


def _fields(options: GenerationOptions) -> dict[str, object]:
    return {name: getattr(options, name) for name in GenerationOptions.__dataclass_fields__}


def test_netprop_and_field_choices_close_on_a_name(llama_backend: LlamaCppBackend) -> None:
    props = tuple(sorted(n for n, p in l4d2_netprops().items() if p.allows("Prop_Send")))
    fields = ("attacker", "dmg_health", "health", "hitgroup", "type", "userid", "weapon")
    for choice, head in [
        (StringChoice("netprop", props, "m_"), '    int v = GetEntProp(client, Prop_Send, "m_'),
        (StringChoice("event field", fields, ""), '    int v = event.GetInt("'),
    ]:
        prompt = render_fim("qwen2.5-coder", head, '");\n}\n')
        done = llama_backend.complete(prompt, GenerationOptions(max_tokens=32, temperature=0.0, choice=choice))
        assert written_name(choice.typed, done.text) in choice.names, done.text


def test_a_typed_prefix_that_starts_no_name_forces_nothing(llama_backend: LlamaCppBackend) -> None:
    prompt = render_fim("qwen2.5-coder", HEAD + "my_mod_", TAIL)
    greedy = GenerationOptions(max_tokens=16, temperature=0.0)
    choice = StringChoice("event", EVENTS, "my_mod_")
    assert choice.remaining() == []
    free = llama_backend.complete(prompt, greedy).text
    assert llama_backend.complete(prompt, GenerationOptions(**{**_fields(greedy), "choice": choice})).text == free


@pytest.mark.slow
def test_the_real_model_completes_hookevent_with_a_real_event(real_model: PretrainedFiles) -> None:
    settings = AISettings(backend="llamacpp", gguf=real_model.gguf, threads=1, temperature=0.0,
                          inline_time_cap_ms=0, inline_max_tokens=24)  # fmt: skip
    copilot = Copilot(settings)
    try:
        completer = InlineCompleter(copilot)
        text, at = cursor(
            "#include <sourcemod>\n\npublic void OnPluginStart()\n{\n"
            '    HookEvent("round_start", Event_RoundStart);\n    HookEvent("|\n}\n'
        )
        view = view_of(text)
        request = request_from_view(text, len(text.encode()[:at].decode()), view, True, view.path)
        assert request.choice is not None and request.choice.kind == "event"
        suggestion = completer.suggest(request)
        assert suggestion is not None
        name = written_name("", suggestion.text)
        assert name in EVENTS and name != "round_start", suggestion.text
    finally:
        copilot.close()


def test_strings_the_model_opens_itself_are_constrained_when_asked(llama_backend: LlamaCppBackend) -> None:
    """`choice_after` is asked at each quote the model writes (here: every string must be an
    event, a stand-in for the request's own analysis, which test_choice_after_reads_the_generated_text_in_place
    covers); each string it opens then closes on an event name."""
    asked: list[str] = []

    def every_string(generated: str) -> StringChoice:
        asked.append(generated)
        return StringChoice("event", EVENTS)

    prompt = render_fim(
        "qwen2.5-coder", "#include <sourcemod>\n\npublic void OnPluginStart()\n{\n\tRegConsoleCmd(", "\n}\n"
    )
    options = GenerationOptions(max_tokens=48, temperature=0.0, stop=("\n}",), choice_after=every_string)
    text = llama_backend.complete(prompt, options).text
    strings = text.split('"')[1:-1:2]  # the contents between an opening and its closing quote
    assert asked and strings, text
    assert all(s in EVENTS for s in strings), text
