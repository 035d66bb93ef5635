"""The prompt registry: FIM templates per family, the hole-filler, windows, stops, context."""

from __future__ import annotations

import pytest
from spcopilot.diagnostics.include_symbols import Symbol
from spcopilot.server.ai.prompts.context import build_context
from spcopilot.server.ai.prompts.fim import (
    FAMILIES,
    RepoFile,
    family_for_tokens,
    hole_filler_messages,
    read_hole_filler_answer,
    render_fim,
)
from spcopilot.server.ai.prompts.stops import stop_sequences
from spcopilot.server.ai.prompts.system import system_prompt
from spcopilot.server.ai.prompts.tasks import extract_code
from spcopilot.server.ai.prompts.window import cut_window


def test_each_family_renders_its_own_format() -> None:
    assert render_fim("qwen2.5-coder", "P", "S") == "<|fim_prefix|>P<|fim_suffix|>S<|fim_middle|>"
    assert render_fim("starcoder2", "P", "S") == "<fim_prefix>P<fim_suffix>S<fim_middle>"
    assert render_fim("codellama", "P", "S") == "<PRE> P <SUF>S <MID>"
    assert render_fim("deepseek-coder", "P", "S") == "<｜fim▁begin｜>P<｜fim▁hole｜>S<｜fim▁end｜>"
    repo = FAMILIES["qwen2.5-coder"].render("P", "S", "a.sp", "me/plugins", [RepoFile("include/x.inc", "native X();")])
    assert repo == ("<|repo_name|>me/plugins\n<|file_sep|>include/x.inc\nnative X();\n<|file_sep|>a.sp\n"
                    "<|fim_prefix|>P<|fim_suffix|>S<|fim_middle|>")  # fmt: skip


def test_family_is_chosen_from_the_vocabulary() -> None:
    assert family_for_tokens({"<fim_prefix>", "<fim_suffix>", "<fim_middle>", "x"}).name == "starcoder2"  # type: ignore[union-attr]
    assert family_for_tokens({"<|fim_prefix|>", "<|fim_suffix|>"}) is None  # incomplete: prefix-only


def test_hole_filler_round_trip() -> None:
    messages = hole_filler_messages("SYS", "int a = ", ";\n", "// Events hooked in this file: round_start\n")
    assert "<FILL>" in messages[1].content and "round_start" in messages[1].content
    assert read_hole_filler_answer("sure <COMPLETION>GetRandomInt(1, 6)</COMPLETION> done") == "GetRandomInt(1, 6)"
    assert read_hole_filler_answer("no tags") == ""


def test_window_prefix_start_is_stable_while_typing() -> None:
    text = "".join(f"int g_iValue{i} = {i};\n" for i in range(400)) + "public void F()\n{\n    \n}\n"
    offset = text.index("{\n    ") + 6
    first = cut_window(text, offset, lambda s: len(s) // 4, prefix_budget=600, suffix_budget=50)
    typed = text[:offset] + "Print" + text[offset:]
    second = cut_window(typed, offset + 5, lambda s: len(s) // 4, prefix_budget=600, suffix_budget=50)
    assert first.prefix_cut and first.first_line % 32 == 0
    assert second.stable_prefix == first.stable_prefix  # the KV cache keeps everything up to the current line
    assert second.current_line_prefix == "    Print"
    assert second.suffix.startswith("\n}")


def test_stops_never_include_a_bare_comment_marker() -> None:
    assert "\n\n" in stop_sequences(True) and "\npublic " in stop_sequences(True)
    assert stop_sequences(False) == ("\n",)
    assert all(s.strip() != "//" for s in stop_sequences(True))


def test_system_prompt_comes_from_the_knowledge_base() -> None:
    text = system_prompt()
    assert "pounce -> lunge_pounce" in text and "RandomFloat -> GetRandomFloat" in text


def test_context_names_hooked_events_and_nearby_signatures() -> None:
    natives = {"GetClientOfUserId": [Symbol("GetClientOfUserId", "native", "native int GetClientOfUserId(int userid)")]}
    text = 'public void E(Event event, const char[] n, bool d)\n{\n    int c = GetClientOfUserId(event.GetInt("userid"));\n}\n'
    ctx = build_context(text, 2, "l4d2", ["player_death", "player_death"], lambda n: natives.get(n, []))
    notes = ctx.notes()
    assert "player_death" in notes and notes.count("player_death") == 1
    assert "native int GetClientOfUserId(int userid)" in notes
    assert build_context("x", 0, "l4d2", []).notes() == ""


def test_extract_code_prefers_the_sourcepawn_block() -> None:
    answer = "Here:\n```json\n{}\n```\n```sourcepawn\npublic void OnPluginStart() {}\n```\nDone."
    assert extract_code(answer) == "public void OnPluginStart() {}\n"
    assert extract_code("public void OnPluginStart() {}") == "public void OnPluginStart() {}\n"


def test_the_system_prompt_is_sized_to_the_model() -> None:
    from spcopilot.server.ai.prompts.system import INTRO, system_prompt, system_prompt_for

    compact, full = system_prompt(compact=True), system_prompt()
    assert compact.startswith(INTRO) and len(compact) < len(full) / 4 and "GetClientUserId" in compact
    assert system_prompt_for(134_515_008, 4096) == compact  # SmolLM2-135M
    assert system_prompt_for(7_000_000_000, 32768) == full
    assert system_prompt_for(7_000_000_000, 2048) == compact  # the full one would take over a quarter
    assert system_prompt_for(None, None) == full  # OpenAI: unknown size


def test_llama_cpp_threads_default_to_half_the_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from spcopilot.server.ai.backends.llamacpp import default_threads

    for cpus, expected in ((1, 1), (2, 1), (4, 2), (16, 8), (64, 8)):
        monkeypatch.setattr(os, "sched_getaffinity", lambda _, n=cpus: set(range(n)), raising=False)
        assert default_threads() == expected, cpus
