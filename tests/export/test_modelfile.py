"""The Ollama Modelfile text and where its SYSTEM prompt comes from."""

from __future__ import annotations

import sys

import pytest
from spcopilot.export.errors import ExportError
from spcopilot.export.modelfile import knowledge_base_prompt, render_modelfile, system_prompt

CHATML = "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
LLAMA3 = "{% for m in messages %}<|start_header_id|>{{ m['role'] }}<|end_header_id|>{% endfor %}"


def test_chatml_model_without_fim_tokens_continues_the_prompt_for_a_suffix_request():
    text = render_modelfile("m-q8_0.gguf", CHATML, None, ["<|im_end|>"], "Be brief.")
    assert text.startswith("FROM ./m-q8_0.gguf\n")
    assert "{{- if .Suffix }}{{ .Prompt }}\n{{- else if .Messages }}" in text
    assert "<|fim_prefix|>" not in text
    assert 'SYSTEM """Be brief."""' in text
    assert text.count('PARAMETER stop "') == 1


def test_fim_tokens_go_into_the_suffix_branch():
    text = render_modelfile("m.gguf", CHATML, ("<fim_prefix>", "<fim_suffix>", "<fim_middle>"), [], "S")
    assert "{{- if .Suffix }}<fim_prefix>{{ .Prompt }}<fim_suffix>{{ .Suffix }}<fim_middle>\n" in text


def test_other_chat_formats_leave_the_template_to_ollama():
    text = render_modelfile("m.gguf", LLAMA3, None, ["<|eot_id|>"], "S", header="made by a test")
    assert "TEMPLATE" not in text.replace("# TEMPLATE", "")
    assert text.startswith("# made by a test\nFROM ./m.gguf\n")


def test_system_text_that_cannot_be_quoted_is_refused():
    with pytest.raises(ExportError, match='contains """'):
        render_modelfile("m.gguf", CHATML, None, [], 'say """hi"""')


def test_system_prompt_given_wins():
    assert system_prompt("Custom.") == "Custom."


def test_system_prompt_comes_from_the_prompt_registry_when_the_server_has_one():
    registry = pytest.importorskip("spcopilot.server.ai.prompts.system")
    assert system_prompt() == registry.system_prompt()


def test_system_prompt_without_the_server_is_built_from_the_knowledge_base(monkeypatch):
    monkeypatch.setitem(sys.modules, "spcopilot.server.ai.prompts.system", None)  # import fails
    text = system_prompt()
    assert text == knowledge_base_prompt()
    from spcopilot.diagnostics.knowledge.apis import nonexistent_functions
    from spcopilot.diagnostics.knowledge.events import misnames

    wrong_event = next(m for m in misnames().values() if m.replacements)
    assert f"{wrong_event.wrong} -> {wrong_event.replacements[0]}" in text
    wrong_api = next(a for a in nonexistent_functions().values() if a.replacement)
    assert f"{wrong_api.name} -> {wrong_api.replacement}" in text
