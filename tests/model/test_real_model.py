"""The llama.cpp backend on a real pretrained model, SmolLM2-135M-Instruct (tests/real_model.py):
its own chat template and window, the prompt sized to it, seeded sampling, the repetition
penalty against the loops it falls into, prefix completion with the serving stops, and the
inline path (filters and guard) on what it really writes. Few, short, seeded generations: about
10 tokens/s on one thread of a busy 2-core machine."""

from __future__ import annotations

from spcopilot.diagnostics.parsing import parse
from spcopilot.server.ai.backends.base import GenerationOptions, Message
from spcopilot.server.ai.backends.llamacpp import LlamaCppBackend
from spcopilot.server.ai.config import AISettings
from spcopilot.server.ai.inline.completer import InlineCompleter, InlineRequest
from spcopilot.server.ai.inline.filters import FilterContext, postprocess
from spcopilot.server.ai.pretrained import PretrainedFiles
from spcopilot.server.ai.prompts import tasks
from spcopilot.server.ai.prompts.fim import SPECIAL_TOKENS
from spcopilot.server.ai.prompts.stops import stop_sequences
from spcopilot.server.ai.prompts.system import system_prompt, system_prompt_for
from spcopilot.server.ai.service import Copilot

TANK = "Write a SourceMod plugin that announces when a tank spawns in Left 4 Dead 2."
LOOP = "#include <sourcemod>\n\npublic void OnPluginStart()\n{\n\tfor (int i = 1; i <= MaxClients; i++)\n\t{\n\t\t"


def repeated_lines(text: str) -> int:
    seen: set[str] = set()
    count = 0
    for line in (line.strip() for line in text.split("\n")):
        count += bool(line) and line in seen
        seen.add(line)
    return count


def test_its_window_template_and_prompt_size(real_backend: LlamaCppBackend, real_model: PretrainedFiles) -> None:
    info = real_backend.info()
    assert info["fim"] == "none (prefix only)"  # SmolLM2 has no FIM tokens: prefix-only inline prompts
    assert (real_backend.trained_context, real_backend.context_window) == (8192, 4096)
    assert 130e6 < (real_backend.parameters or 0) < 140e6
    # a 135M model gets the compact system prompt (the full one is ~720 of its tokens)
    compact = system_prompt_for(real_backend.parameters, real_backend.context_window)
    assert compact == system_prompt(compact=True) and real_backend.count_tokens(compact) < 150
    assert real_backend.count_tokens(system_prompt()) > 600
    # the GGUF's own ChatML template, which adds its own system prompt when none is given
    prompt, _ = real_backend.render_chat([Message("system", compact), Message("user", "hi")])
    assert prompt == f"<|im_start|>system\n{compact}<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"
    bare, _ = real_backend.render_chat([Message("user", "hi")])
    assert bare.startswith("<|im_start|>system\nYou are a helpful AI assistant named SmolLM")
    # a context larger than the model was trained on is cut to its window
    wide = LlamaCppBackend(real_model.gguf, threads=1, context_size=16384)
    try:
        assert wide.context_window == 8192
    finally:
        wide.close()


def test_a_seed_makes_sampling_repeatable(real_backend: LlamaCppBackend) -> None:
    messages = [Message("system", system_prompt(compact=True)), Message("user", "Name one Left 4 Dead 2 event.")]
    options = GenerationOptions(max_tokens=24, temperature=0.8, seed=1234)
    first, second = real_backend.chat(messages, options), real_backend.chat(messages, options)
    assert first.text == second.text and first.text.strip()
    assert first.usage.completion_tokens <= 24 and "<|im_end|>" not in first.text


def test_the_repeat_penalty_breaks_its_loops(real_backend: LlamaCppBackend) -> None:
    """Greedy, without a penalty, the model repeats `#include <cstdlib>` line after line (with the
    full system prompt it wrote `#include "pragma scoped"` forty times); the default 1.1 does not."""
    messages = tasks.plugin_messages(TANK, system=system_prompt(compact=True))
    plain = real_backend.chat(messages, GenerationOptions(max_tokens=100, temperature=0.0, repeat_penalty=1.0))
    penalised = real_backend.chat(messages, AISettings(temperature=0.0).generation_options(100))
    assert repeated_lines(plain.text) >= 4, plain.text
    assert repeated_lines(penalised.text) <= 1, penalised.text


def test_prefix_completion_ends_at_the_serving_stops(real_backend: LlamaCppBackend) -> None:
    stops = stop_sequences(multi_line=True)
    done = real_backend.complete(LOOP, AISettings(temperature=0.0).generation_options(64, stops))
    assert done.text.strip() and not any(stop in done.text for stop in stops)
    assert done.usage.prompt_tokens == real_backend.count_tokens(LOOP)
    shown = postprocess(done.text, FilterContext("\t\t", "\n\t}\n}\n", True, LOOP, done.finish_reason != "stop"))
    assert shown and not shown.startswith(("\t", " "))  # its repeated first-line indentation is gone
    assert not any(token in shown for token in SPECIAL_TOKENS) and "```" not in shown


def test_the_inline_path_on_its_output(real_model: PretrainedFiles) -> None:
    """Cache → prefix-only prompt → the model → filters → guard. Greedy, in this loop it writes
    `\tif (i == 1)` one level too deep and closes the loop and the function again: shown is the
    `if` block re-indented, without the closers, and the function still parses."""
    settings = AISettings(backend="llamacpp", gguf=real_model.gguf, threads=1, temperature=0.0,
                          inline_time_cap_ms=0, inline_max_tokens=48)  # fmt: skip
    copilot = Copilot(settings)
    try:
        completer = InlineCompleter(copilot)
        text = LOOP + "\n\t}\n}\n"
        suggestion = completer.suggest(InlineRequest(text, len(LOOP), "plugin.sp", parse(text.encode())))
        assert copilot.ledger.requests == 1 and completer.model_ms > 0
        assert suggestion is not None and suggestion.text.startswith("if (")
        assert suggestion.text.endswith("\n\t\t}") and "\n\t}" not in suggestion.text
        filled = LOOP + suggestion.text + "\n\t}\n}\n"
        assert not parse(filled.encode()).root_node.has_error, filled
        again = completer.suggest(InlineRequest(text, len(LOOP), "plugin.sp", parse(text.encode())))
        assert again is not None and again.cached and again.text == suggestion.text
        assert copilot.ledger.requests == 1  # the cache answered
    finally:
        copilot.close()
