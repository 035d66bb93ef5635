"""The suggestion cache (typing through a suggestion) and the single/multi-line decision."""

from __future__ import annotations

from spcopilot.diagnostics.parsing import parse
from spcopilot.server.ai.inline.cache import SuggestionCache
from spcopilot.server.ai.inline.mode import is_multi_line


def test_cache_serves_the_rest_of_a_suggestion_being_typed() -> None:
    cache = SuggestionCache(4)
    cache.put("int x = ", ";\n", "GetRandomInt(1, 6)")
    assert cache.get("int x = ", ";\n").text == "GetRandomInt(1, 6)"  # type: ignore[union-attr]
    hit = cache.get("int x = GetRan", ";\n")
    assert hit is not None and (hit.text, hit.typed) == ("domInt(1, 6)", "GetRan")
    assert cache.get("int x = GetX", ";\n") is None  # typed something else
    assert cache.get("int x = GetRan", "other") is None  # the text after the cursor changed
    assert cache.get("int x = GetRandomInt(1, 6)", ";\n") is None  # typed all of it: nothing left


def test_cache_is_bounded() -> None:
    cache = SuggestionCache(2)
    for i in range(3):
        cache.put(f"p{i}", "", f"s{i}")
    assert len(cache) == 2 and cache.get("p0", "") is None and cache.get("p2", "") is not None


def mode(text: str) -> bool:
    offset = text.index("|")
    source = (text[:offset] + text[offset + 1 :]).encode()
    return is_multi_line(parse(source), source, offset)


def test_single_or_multi_line_from_the_tree() -> None:
    assert mode("public void F()\n{\n    |\n}\n")
    assert mode("public void F()\n{|\n}\n")
    assert mode("public void F()\n{\n    int x = 1;|\n}\n")
    assert not mode('public void F()\n{\n    HookEvent("|\n}\n')
    assert not mode('public void F()\n{\n    HookEvent("round_start", |);\n}\n')
    assert not mode("public void F()\n{\n    if (x|\n}\n")
    assert not mode("public void F()\n{\n    PrintToServer(|\n}\n")
