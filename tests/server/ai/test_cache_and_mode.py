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


def test_without_a_tree_the_guard_reads_the_whole_text_or_the_lines_around_the_cursor() -> None:
    from spcopilot.server.ai.inline.completer import GUARD_WINDOW, WHOLE_TEXT_LIMIT, _enclosing_item

    small = b"public void F()\n{\n    int x = 1;\n}\n"
    assert _enclosing_item(None, 20, small) == (0, len(small))
    line = b"public void F%d() { int x = %d; }\n"
    large = b"".join(line % (i, i) for i in range(WHOLE_TEXT_LIMIT // 20))
    assert len(large) > WHOLE_TEXT_LIMIT
    cursor = len(large) // 2
    start, end = _enclosing_item(None, cursor, large)
    # whole lines around the cursor, about GUARD_WINDOW each side: not the megabyte document
    assert start < cursor < end and end - start < 2 * GUARD_WINDOW + 200
    assert cursor - start >= GUARD_WINDOW and end - cursor >= GUARD_WINDOW
    assert start == 0 or large[start - 1 : start] == b"\n"
    assert large[end : end + 1] == b"\n"
    assert _enclosing_item(None, 5, large)[0] == 0 and _enclosing_item(None, len(large) - 5, large)[1] == len(large)
    # with a tree of this very text: the top-level item around the cursor
    tree = parse(large)
    item = _enclosing_item(tree, cursor, large)
    assert large[item[0] : item[1]].startswith(b"public void F") and item[1] - item[0] < 40


def test_a_megabyte_line_gives_the_guard_only_the_bytes_around_the_cursor() -> None:
    """One megabyte line that is one top-level item (a function pasted onto one line): neither
    the whole text nor the whole item, but GUARD_WINDOW bytes each side of the cursor."""
    from spcopilot.server.ai.inline.completer import GUARD_WINDOW, _enclosing_item

    line = b"public void F() { " + b"x = x + 1; " * 100_000 + b"}"
    cursor = len(line) // 2
    tree = parse(line)
    assert [child.end_byte - child.start_byte for child in tree.root_node.children] == [len(line)]
    for with_tree in (None, tree):
        start, end = _enclosing_item(with_tree, cursor, line)
        assert (start, end) == (cursor - GUARD_WINDOW, cursor + GUARD_WINDOW)
    # the lines around a short-lined cursor inside a huge item still start and end on line breaks
    body = b"public void F()\n{\n" + b"    int x = 1;\n" * 20_000 + b"}\n"
    cursor = len(body) // 2
    start, end = _enclosing_item(parse(body), cursor, body)
    assert body[start - 1 : start] == b"\n" and body[end : end + 1] == b"\n"
    assert GUARD_WINDOW <= cursor - start < GUARD_WINDOW + 20 and GUARD_WINDOW <= end - cursor < GUARD_WINDOW + 20


def test_a_suggestion_the_guard_cannot_check_within_its_budget_is_withheld(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import json

    from spcopilot.server.ai.config import AISettings
    from spcopilot.server.ai.inline import completer
    from spcopilot.server.ai.service import Copilot

    text = "public void OnPluginStart()\n{\n    \n}\n"
    offset = text.index("    \n") + 4
    replay = tmp_path / "replay.jsonl"
    replay.write_text(json.dumps({"output": 'PrintToServer("hi");'}) + "\n")
    request = completer.InlineRequest(text, offset, "plugin.sp")
    shown = completer.InlineCompleter(Copilot(AISettings(backend="replay", replay_file=replay))).suggest(request)
    assert shown is not None and shown.text == 'PrintToServer("hi");'  # checked in time: shown
    monkeypatch.setattr(completer, "GUARD_BUDGET_S", 0.0)
    again = completer.InlineCompleter(Copilot(AISettings(backend="replay", replay_file=replay))).suggest(request)
    assert again is None
