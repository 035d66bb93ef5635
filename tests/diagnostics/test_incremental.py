"""The incremental lint is the plain lint, exactly: after every step of random edit sequences on
real plugins (typing, deleting, pasting whole functions, moving them, renaming callbacks,
adding hooks, globals, includes and secrets), `IncrementalLint` returns what `lint()` returns
for the same text and tree - every finding, message, range, fix and edit offset.

The tree is the document's, re-parsed incrementally as in the editor, and now and then a fresh
parse (a tree that shares nothing with the last one). Both lints get the same tree: tree-sitter
may recover from a syntax error differently when it re-parses incrementally than when it parses
from scratch (see test_document.py), which is the parser's business, not the lint's."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.document import Document, TextChange
from spcopilot.diagnostics.engine import lint
from spcopilot.diagnostics.incremental import IncrementalLint
from spcopilot.diagnostics.linter import Linter
from spcopilot.diagnostics.model import Diagnostic, Position
from spcopilot.diagnostics.parsing import parse

from tests.rules.fixture import all_fixtures, load

CORPUS = Path(__file__).parents[1] / "fixtures" / "tiny_corpus"

# Text that changes what the rules see: hooks and their modes, timers, globals, includes (game
# detection, include scope), plugin info, secrets, and text that breaks the parse.
SNIPPETS = [
    "x",
    " ",
    "\n",
    "\n\n",
    ";",
    "}",
    "{",
    '"',
    "(",
    ")",
    "/*",
    "*/",
    "// note\n",
    "\t",
    "é",
    "😀",
    "int a = 1;\n",
    '    HookEvent("player_death", Event_Death, EventHookMode_PostNoCopy);\n',
    '    HookEvent("round_start", Event_RoundStart);\n',
    '    UnhookEvent("player_death", Event_Death);\n',
    "    CreateTimer(1.0, Timer_Tick, client);\n",
    "    CreateDataTimer(1.0, Timer_Pack, pack);\n",
    "    g_hTimer = CreateTimer(1.0, Timer_Tick, _, TIMER_REPEAT);\n",
    "    delete g_hTimer;\n",
    "    KillTimer(g_hTimer);\n",
    "    CloseHandle(timer);\n",
    '    RegConsoleCmd("sm_x", Command_X);\n',
    '    int client = GetClientOfUserId(event.GetInt("userid"));\n',
    '    float f = GetEntPropFloat(client, Prop_Send, "m_healthBuffer");\n',
    '    ServerCommand("kick %s", name);\n',
    "Handle g_hTimer;\n",
    "int g_iCount[MAXPLAYERS];\n",
    "char g_sName[32];\n",
    "#define NAME_LEN 16\n",
    "#include <left4dhooks>\n",
    "#include <tf2>\n",
    "#include <cstrike>\n",
    "#include <myentity>\n",
    'public Plugin myinfo = { name = "t" };\n',
    "// password = hunter22hunter22\n",
    '    char key[] = "0123456789abcdef0123456789ABCDEF";\n',
    '    kv.SetString("pass", "Tr0ub4dor&3");\n',
    "    SQL_ConnectCustom(kv, error, sizeof(error), true);\n",
    "// spcopilot: ignore[SPC306]\n",
    "if (GetEngineVersion() == Engine_TF2) {}\n",
    '// "left 4 dead 2" Engine_Left4Dead\n',
    "public void Event_Death(Event event, const char[] name, bool dontBroadcast)\n{\n"
    '    int victim = event.GetInt("userid");\n    PrintToChat(victim, "x");\n}\n',
    "public Action Timer_Tick(Handle timer, int client)\n{\n    delete timer;\n    return Plugin_Stop;\n}\n",
    "public Action Command_X(int client, int args)\n{\n    KickClient(client);\n"
    '    FakeClientCommand(client, "give health");\n    return Plugin_Handled;\n}\n',
]
IDENTIFIER = re.compile(r"\b[A-Za-z_]\w*\b")


def fixture_text(path: Path) -> str:
    return load(path).main


def sources() -> dict[str, str]:
    found = {p.stem: p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.sp"))}
    found.update({p.stem: fixture_text(p) for p in all_fixtures()})
    return found


SOURCES = sources()


def combined(names: list[str]) -> str:
    """A larger plugin made of several, so hooks, timers and callbacks meet across functions."""
    return "\n".join(SOURCES[n] for n in names)


def position_in(text: str, index: int) -> Position:
    before = text[:index]
    line = before.count("\n")
    column = before[before.rfind("\n") + 1 :]
    return Position(line, len(column.encode("utf-16-le")) // 2)


def item_spans(text: str) -> list[tuple[int, int]]:
    """Top-level items as character spans (for whole-function edits)."""
    data = text.encode("utf-8")
    out = []
    for node in parse(data).root_node.children:
        start = len(data[: node.start_byte].decode("utf-8", "replace"))
        end = len(data[: node.end_byte].decode("utf-8", "replace"))
        out.append((start, end))
    return out


def random_edit(rng: random.Random, text: str) -> tuple[int, int, str]:
    """(start, end, new text) in characters."""
    roll = rng.random()
    if roll < 0.35 or not text:  # type or paste a snippet somewhere
        at = rng.randrange(len(text) + 1)
        if rng.random() < 0.5:  # at a line start, where statements and items begin
            at = text.rfind("\n", 0, at) + 1
        return at, at, rng.choice(SNIPPETS)
    if roll < 0.55:  # delete a little, or a line
        start = rng.randrange(len(text))
        if rng.random() < 0.5:
            start = text.rfind("\n", 0, start) + 1
            end = text.find("\n", start)
            return start, len(text) if end == -1 else end + 1, ""
        return start, min(len(text), start + rng.choice([1, 1, 2, 5, 20])), ""
    if roll < 0.7:  # rename an identifier (a callback, a global, a hooked function)
        words = list(IDENTIFIER.finditer(text))
        if words:
            m = rng.choice(words)
            return m.start(), m.end(), rng.choice([m.group() + "2", m.group()[:-1], "Event_Death", "Timer_Tick"])
    spans = item_spans(text)
    if not spans:
        return 0, 0, rng.choice(SNIPPETS)
    start, end = rng.choice(spans)
    if roll < 0.8:  # delete a whole item
        return start, end, ""
    if roll < 0.9:  # duplicate an item elsewhere
        at = rng.choice(spans)[0]
        return at, at, text[start:end] + "\n"
    # move an item: cut it, paste it before another one (two edits, as an editor sends them)
    return start, end, ""


def check_sequence(text: str, seed: int, steps: int, config: Config | None = None, path: str = "t.sp") -> None:
    rng = random.Random(seed)
    doc = Document(text, 0)
    session = IncrementalLint()
    assert_same(session, doc, config, path, f"seed {seed} start")
    for step in range(steps):
        start, end, new = random_edit(rng, text)
        moved = text[start:end] if new == "" and rng.random() < 0.3 and end - start > 20 else None
        text = text[:start] + new + text[end:]
        doc.apply([TextChange(new, position_in(doc.text, start), position_in(doc.text, end))], step + 1)
        if moved is not None:  # ... and paste it at another item's start
            spans = item_spans(text)
            at = rng.choice(spans)[0] if spans else 0
            text = text[:at] + moved + text[at:]
            doc.apply([TextChange(moved, position_in(doc.text, at), position_in(doc.text, at))], step + 1)
        assert doc.source == text.encode("utf-8")
        if rng.random() < 0.15:  # several edits may pile up between two lints
            continue
        assert_same(session, doc, config, path, f"seed {seed} step {step}", fresh=rng.random() < 0.2)


def assert_same(
    session: IncrementalLint, doc: Document, config: Config | None, path: str, where: str, fresh: bool = False
) -> None:
    tree = parse(doc.source) if fresh else doc.tree
    assert tree is not None
    got = session.lint(doc.source, tree, path, config, lines=doc.lines)
    want = lint(doc.source, path, config, tree=tree)
    if got != want:
        pytest.fail(f"{where}: incremental and full lint differ\n{describe(got, want)}\n--- text ---\n{doc.text}")


def describe(got: list[Diagnostic], want: list[Diagnostic]) -> str:
    extra = [d for d in got if d not in want]
    missing = [d for d in want if d not in got]
    lines = [f"+ {d.code} {d.start_byte}-{d.end_byte} {d.range} {d.message[:80]} {d.fix}" for d in extra]
    lines += [f"- {d.code} {d.start_byte}-{d.end_byte} {d.range} {d.message[:80]} {d.fix}" for d in missing]
    return "\n".join(lines) or "(same findings, in another order)"


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_random_edits_on_each_plugin(name: str) -> None:
    check_sequence(SOURCES[name], seed=sum(map(ord, name)), steps=15)


GROUPS = [
    ["heal_timer", "SPC205", "SPC206", "SPC402", "SPC406", "SPC503"],
    ["SPC401", "SPC403", "SPC404", "SPC502", "SPC505", "SPC510", "witch_stats"],
    ["SPC203", "SPC208", "SPC306", "SPC506", "SPC603", "SPC605", "welcome_db", "vote_kick"],
]


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("group", range(len(GROUPS)))
def test_random_edits_on_combined_plugins(group: int, seed: int) -> None:
    check_sequence(combined(GROUPS[group]), seed=seed, steps=40)


def test_a_forced_game_and_a_rule_subset() -> None:
    text = combined(["SPC102", "SPC303", "SPC205", "tank_announce"])
    check_sequence(text, seed=7, steps=30, config=Config(game="tf2"))
    check_sequence(text, seed=8, steps=30, config=Config(select=("SPC2", "SPC4")))


def test_with_an_include_index(tmp_path: Path) -> None:
    """The include scope (SPC101) through a real index, and an include file that changes on
    disk between two lints without an edit to the document."""
    fixture = load(next(p for p in all_fixtures() if p.stem == "SPC101"))
    for name, text in fixture.files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    include = tmp_path / "include" / "myentity.inc"
    main = tmp_path / "main.sp"
    linter = Linter(Config(include_dirs=(tmp_path / "include",)))
    rng = random.Random(3)
    text = fixture.main + "\n" + SOURCES["SPC701"]
    doc = Document(text, 0)
    session = IncrementalLint()
    for step in range(30):
        got = linter.lint_source(doc.source, main, doc.tree, session=session, lines=doc.lines)
        assert got == linter.lint_source(doc.source, main, doc.tree), f"step {step}"
        if step % 10 == 5:  # the include now defines RandomFloat too, or no longer does
            defines = "stock float RandomFloat(float a, float b) { return a; }\n" if step % 20 == 5 else ""
            include.write_text(fixture.files["include/myentity.inc"] + defines, encoding="utf-8")
            linter.index_for(main).invalidate(include)  # as the server does when the editor reports it
            got = linter.lint_source(doc.source, main, doc.tree, session=session, lines=doc.lines)
            assert got == linter.lint_source(doc.source, main, doc.tree), f"step {step}, include changed"
        start, end, new = random_edit(rng, text)
        text = text[:start] + new + text[end:]
        doc.apply([TextChange(new, position_in(doc.text, start), position_in(doc.text, end))], step + 1)


def test_an_edit_inside_one_function_checks_only_that_function() -> None:
    text = combined(["heal_timer", "SPC206", "SPC402", "witch_stats"])
    doc = Document(text, 0)
    session = IncrementalLint()
    session.lint(doc.source, doc.tree, "t.sp", lines=doc.lines)
    at = text.index("GetClientOfUserId(")
    doc.apply([TextChange(" ", position_in(text, at), position_in(text, at))], 1)
    assert session.lint(doc.source, doc.tree, "t.sp", lines=doc.lines) == lint(doc.source, "t.sp", tree=doc.tree)
    assert session.last_checked == 1


def test_a_failure_inside_the_session_falls_back_to_a_plain_lint(monkeypatch: pytest.MonkeyPatch) -> None:
    import spcopilot.diagnostics.incremental as incremental

    text = SOURCES["heal_timer"]
    doc = Document(text, 0)
    session = IncrementalLint()
    session.lint(doc.source, doc.tree, "t.sp", lines=doc.lines)

    def broken(*args: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(incremental, "_STRICT", False)
    monkeypatch.setattr(IncrementalLint, "_map", broken)
    doc.apply([TextChange("\n", Position(0, 0), Position(0, 0))], 1)
    assert session.lint(doc.source, doc.tree, "t.sp", lines=doc.lines) == lint(doc.source, "t.sp", tree=doc.tree)
    assert session.items == []  # and the next lint starts afresh


def test_thousands_of_tiny_items_are_linted_as_a_whole_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """A line of `(` typed at file level is one error item per byte: per-item state would cost
    far more than a plain lint (bench/scaling.py, items-one-line). Past MAX_ITEMS the session
    keeps nothing and returns the plain lint; below it, it keeps its items again."""
    import spcopilot.diagnostics.incremental as incremental

    monkeypatch.setattr(incremental, "MAX_ITEMS", 50)
    text = SOURCES["heal_timer"] + "\n" + "(" * 60 + "\n"
    doc = Document(text, 0)
    assert doc.tree is not None and doc.tree.root_node.child_count > 50
    session = IncrementalLint()
    assert session.lint(doc.source, doc.tree, "t.sp", lines=doc.lines) == lint(doc.source, "t.sp", tree=doc.tree)
    assert session.items == []
    at = text.index("(" * 60)
    doc.apply([TextChange("", position_in(text, at), position_in(text, at + 60))], 1)
    assert doc.tree is not None and doc.tree.root_node.child_count <= 50
    assert session.lint(doc.source, doc.tree, "t.sp", lines=doc.lines) == lint(doc.source, "t.sp", tree=doc.tree)
    assert session.items


def test_hundreds_of_items_of_a_few_bytes_are_linted_as_a_whole_file() -> None:
    """Below MAX_ITEMS too: 300 `(` typed at file level are 300 one-byte items."""
    import spcopilot.diagnostics.incremental as incremental

    text = SOURCES["heal_timer"] + "\n" + "(" * (incremental.TINY_ITEMS + 50)
    source = text.encode()
    tree = parse(source)
    assert incremental.TINY_ITEMS < tree.root_node.child_count < incremental.MAX_ITEMS
    session = IncrementalLint()
    assert session.lint(source, tree, "t.sp") == lint(source, "t.sp", tree=tree)
    assert session.items == []


def test_the_secret_scan_reads_each_item_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPC506's text scan searches each item's own text (and a literal or comment reaching past
    it), not on to the end of the line: on a line of many items that was quadratic."""
    from spcopilot.diagnostics.rules.security import spc506_hardcoded_credential as spc506

    read: list[int] = []
    original = spc506._Anchors.of.__func__  # type: ignore[attr-defined]

    def counting(cls: type, source: bytes, start: int, stop: int) -> object:
        read.append(stop - start)
        return original(cls, source, start, stop)

    monkeypatch.setattr(spc506._Anchors, "of", classmethod(counting))
    items = 2000
    globals_ = "".join(f"int g{i} = {i}; " for i in range(items))
    text = f'char g_sKey[] = "password=hunter2-secret"; {globals_}// rcon_password "Xk9#mQ2pLw"\n'
    source = text.encode()
    found = IncrementalLint().lint(source, parse(source), "t.sp")
    assert len(read) > items  # one scan per item
    assert sum(read) < 2 * len(source)
    assert found == lint(source, "t.sp", tree=parse(source))
    assert [d.code for d in found].count("SPC506") == 2
