"""The include index over a small SourceMod-like include folder (tests/diagnostics/fixtures)."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from spcopilot.diagnostics import include_index, include_symbols
from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.include_index import IncludeIndex, find_include_dirs
from spcopilot.diagnostics.include_symbols import IncludeRef, symbols_of_source
from spcopilot.diagnostics.parsing import parse

FIXTURE = Path(__file__).parent / "fixtures" / "fake_sourcemod"
PLUGIN = b"""#include <sourcemod>
#include "helpers"

public void OnPluginStart()
{
    PrintToServer("%d", GetClientHealth(1));
}
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """addons/sourcemod/scripting/{include/, myplugin.sp, helpers.inc} in a temp folder."""
    scripting = tmp_path / "addons" / "sourcemod" / "scripting"
    shutil.copytree(FIXTURE / "include", scripting / "include")
    (scripting / "myplugin.sp").write_bytes(PLUGIN)
    (scripting / "helpers.inc").write_text("stock int LocalHelper() { return 1; }\n")
    return scripting


@pytest.fixture
def index(tree: Path, tmp_path: Path) -> IncludeIndex:
    return IncludeIndex([tree / "include"], cache_dir=tmp_path / "cache")


def bump(path: Path, text: str) -> None:
    """Rewrite a file and move its mtime forward (coarse clocks would hide the change)."""
    before = path.stat().st_mtime_ns if path.exists() else time.time_ns()
    path.write_text(text)
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


def by_name(symbols):
    return {s.name: s for s in symbols}


# -- find_include_dirs ------------------------------------------------------------------------
def test_include_dirs_configured_first_then_sourcemod_layout(tree: Path, tmp_path: Path) -> None:
    configured = tmp_path / "my_includes"
    configured.mkdir()
    missing = tmp_path / "not_there"
    plugin = tree / "myplugin.sp"
    dirs = find_include_dirs(plugin, [configured, missing, tree / "include"])
    assert dirs == [configured.resolve(), (tree / "include").resolve()]


def test_include_dirs_from_a_subfolder_of_scripting(tree: Path) -> None:
    sub = tree / "l4d2_tank" / "src"
    sub.mkdir(parents=True)
    (sub / "include").mkdir()
    assert find_include_dirs(sub / "tank.sp") == [
        (sub / "include").resolve(),
        (tree / "include").resolve(),
    ]


def test_include_dirs_without_a_file(tmp_path: Path) -> None:
    assert find_include_dirs(None, [tmp_path]) == [tmp_path.resolve()]
    assert find_include_dirs(tmp_path / "loose.sp") == []


# -- what one file declares -------------------------------------------------------------------
def test_every_kind(index: IncludeIndex, tree: Path) -> None:
    inc = tree / "include"
    found: dict[tuple[str, str], include_symbols.Symbol] = {}
    for name in ("sourcemod.inc", "core.inc", "handles.inc", "clients.inc", "l4d2/survivors.inc"):
        for s in index.symbols_in(inc / name):
            found.setdefault((s.name, s.kind), s)
    kinds = {kind for _, kind in found}
    assert kinds == set(include_symbols.KINDS)
    expected = {
        ("OnPluginStart", "forward"), ("GetClientHealth", "native"), ("GetClientArmor", "native"),
        ("IsValidClient", "stock"), ("Handle", "methodmap"), ("ArrayList", "methodmap"),
        ("ArrayList", "constructor"), ("Push", "method"), ("Length", "property"),
        ("Action", "enum"),
        ("Plugin_Handled", "enum_member"), ("ClientInfo", "enum_struct"), ("Reset", "method"),
        ("userid", "property"), ("MAXPLAYERS", "define"), ("ConCmd", "typedef"),
        ("SDKHookCB", "typeset"), ("OldCallbacks", "funcenum"), ("OldTimerFunc", "functag"),
        ("myinfo", "global"), ("g_OldStyleGlobal", "global"), ("NULL_STRING", "global"),
        ("__pl_sourcemod_SetNTVOptional", "function"),
    }  # fmt: skip
    assert expected <= set(found)


def test_native_with_doc_comment(index: IncludeIndex, tree: Path) -> None:
    health = by_name(index.symbols_in(tree / "include" / "clients.inc"))["GetClientHealth"]
    assert health.signature == "native int GetClientHealth(int client)"
    assert health.params == ("int client",)
    assert health.return_type == "int"
    assert health.line == 14
    assert health.path == str(tree / "include" / "clients.inc")
    assert health.doc.splitlines() == [
        "Returns the client's health.",
        "",
        "@param client        Player index.",
        "@return              Health value.",
        "@error               Invalid client index, client not in game, or no mod support.",
    ]


def test_old_syntax_and_line_comment_docs(index: IncludeIndex, tree: Path) -> None:
    symbols = by_name(index.symbols_in(tree / "include" / "clients.inc"))
    armor = symbols["GetClientArmor"]
    assert (armor.signature, armor.params, armor.return_type) == (
        "native GetClientArmor(client)",
        ("client",),
        "",
    )
    assert armor.doc == "Returns the client's armor (old syntax)."
    valid = symbols["IsValidClient"]
    assert valid.signature == "stock bool:IsValidClient(client, bool:nobots = false)"
    assert valid.return_type == "bool"
    assert valid.params == ("client", "bool:nobots = false")
    # The doc above a `#pragma deprecated` line still belongs to the native below it.
    assert "@deprecated          Use IsClientInGame() instead." in symbols["IsPlayerInGame"].doc


def test_methodmaps(index: IncludeIndex, tree: Path) -> None:
    symbols = index.symbols_in(tree / "include" / "handles.inc")
    maps = {s.name: s for s in symbols if s.kind == "methodmap"}
    assert maps["ArrayList"].inherits == "Handle"
    assert maps["ArrayList"].signature == "methodmap ArrayList < Handle"
    assert maps["ArrayList"].doc == "An array of cells."
    assert maps["Handle"].inherits == ""
    members = {s.name: s for s in symbols if s.parent == "ArrayList"}
    assert members["Push"].signature == "public native int Push(any value)"
    assert members["Push"].doc.startswith("Pushes a value onto the end of the array.\n\n@param value")
    assert (members["Length"].kind, members["Length"].return_type) == ("property", "int")
    ctor = members["ArrayList"]
    assert ctor.kind == "constructor"
    assert ctor.params == ("int blocksize=1", "int startsize=0")


def test_enums_defines_typesets(index: IncludeIndex, tree: Path) -> None:
    symbols = by_name(index.symbols_in(tree / "include" / "core.inc"))
    assert symbols["Plugin_Stop"].parent == "Action"
    assert symbols["Plugin_Stop"].doc == "Immediately stop the hook chain and handle the original"
    assert symbols["Action"].doc == "Specifies what to do after a hook completes."
    assert symbols["MAXPLAYERS"].signature == "#define MAXPLAYERS 65"
    assert symbols["MAXPLAYERS"].doc == "Maximum number of players SourceMod supports"
    assert symbols["SDKHookCB"].doc == "Callback types for SDK hooks.\nOne line per signature."
    assert "function void (int client);" in symbols["SDKHookCB"].signature
    assert symbols["ConCmd"].params == ("int client", "int args")
    assert symbols["ConCmd"].return_type == "Action"


def test_enum_struct_members(index: IncludeIndex, tree: Path) -> None:
    symbols = index.symbols_in(tree / "include" / "clients.inc")
    members = {s.name: s for s in symbols if s.parent == "ClientInfo"}
    assert {n: m.kind for n, m in members.items()} == {
        "userid": "property",
        "name": "property",
        "Reset": "method",
    }
    assert members["name"].signature == "char name[MAX_NAME_LENGTH]"


def test_symbols_of_an_open_document() -> None:
    source = b"""/** Heals. */
void Heal(int client)
{
}
methodmap Tank < Handle {
  property int Rage {
    public get() { return 0; }
  }
}
"""
    symbols = by_name(symbols_of_source(source, "open.sp"))
    assert symbols["Heal"].kind == "function"
    assert symbols["Heal"].doc == "Heals."
    assert symbols["Heal"].signature == "void Heal(int client)"
    assert symbols["Rage"].parent == "Tank"
    assert symbols["Tank"].path == "open.sp"


# -- scopes -----------------------------------------------------------------------------------
def includes_of(source: bytes) -> list[IncludeRef]:
    return list(include_symbols.read_declarations(source).includes)


def test_scope_is_the_transitive_closure(index: IncludeIndex, tree: Path) -> None:
    scope = index.scope(tree / "myplugin.sp", includes_of(PLUGIN))
    assert scope.unresolved == []  # #tryinclude <not_installed_anywhere> is optional
    for name in (
        "GetClientHealth",
        "OnPluginStart",
        "Push",
        "L4D2_Coach",
        "MAXPLAYERS",
        "LocalHelper",
        "Action",
    ):
        assert name in scope.symbols, name
    assert scope.defines("GetClientHealth")
    assert scope.defines("L4D2_Coach")  # through clients.inc -> "l4d2/survivors" -> "../clients" (a cycle)
    assert not scope.defines("Push")  # a member: reached through its methodmap
    assert not scope.defines("PrintToServer")
    names = sorted(p.name for p in scope.files)
    assert names == [
        "clients.inc",
        "core.inc",
        "handles.inc",
        "helpers.inc",
        "sourcemod.inc",
        "survivors.inc",
    ]
    assert [m.name for m in scope.members("ArrayList")] == ["ArrayList", "Push", "Length", "Close"]


def test_unresolved_includes(index: IncludeIndex, tree: Path) -> None:
    source = b'#include <sourcemod>\n#include <left4dhooks>\n#tryinclude <updater>\n#include "missing_part.sp"\n'
    scope = index.scope(tree / "myplugin.sp", includes_of(source))
    assert scope.unresolved == ["left4dhooks", "missing_part.sp"]


def test_resolution_order(index: IncludeIndex, tree: Path, tmp_path: Path) -> None:
    # "x" looks next to the including file first; <x> only in the include folders.
    (tree / "core.inc").write_text("#define LOCAL_CORE 1\n")
    plugin = tree / "myplugin.sp"
    assert index.resolve(IncludeRef("core", system=False), plugin) == tree / "core.inc"
    assert index.resolve(IncludeRef("core", system=True), plugin) == tree / "include" / "core.inc"
    assert index.resolve(IncludeRef("helpers.inc", system=True), plugin) is None
    assert (
        index.resolve(IncludeRef("l4d2\\survivors", system=True), plugin) == tree / "include" / "l4d2" / "survivors.inc"
    )
    # An earlier include folder wins over a later one.
    first = tmp_path / "first"
    first.mkdir()
    (first / "core.inc").write_text("#define FIRST_CORE 1\n")
    ordered = IncludeIndex([first, tree / "include"], cache_dir=tmp_path / "cache")
    assert ordered.resolve(IncludeRef("core", system=True), plugin) == first / "core.inc"
    scope = ordered.scope(plugin, [IncludeRef("sourcemod", True)])
    assert scope.defines("FIRST_CORE") and not scope.defines("LOCAL_CORE")
    assert "Plugin_Continue" not in scope.symbols  # the shadowed core.inc is not read


def test_thousands_of_includes_list_each_folder_once(index: IncludeIndex, tree: Path, monkeypatch) -> None:
    """A document of thousands of includes (a paste, generated code) resolves as one of a few
    does, with at most LISTING_AFTER stats a folder and then one listing of it (each stat hands
    the interpreter lock away and back, and the server's other threads waited behind them)."""
    (tree / "include" / "Mixed_Case.inc").write_text("#define MIXED 1\n")
    os.symlink(tree / "include" / "Mixed_Case.inc", tree / "include" / "linked.inc")
    (tree / "include" / "a_folder.inc").mkdir()  # a folder is not an include file
    names = ["sourcemod", "Mixed_Case", "linked", "a_folder", "l4d2/survivors"] + [f"nothing_{i}" for i in range(3000)]
    source = b"".join(b"#include <%s>\n" % n.encode() for n in names)
    stats: list[Path] = []
    real_is_file = include_index._is_file

    def counted(path: Path) -> bool:
        stats.append(path)
        return real_is_file(path)

    monkeypatch.setattr(include_index, "_is_file", counted)
    monkeypatch.setattr(include_index, "MAX_LOOKED_FOR", 10**6)  # every one looked for (the cap: below)
    plugin = tree / "myplugin.sp"
    listed = index.scope(plugin, includes_of(source))
    per_folder = {folder: sum(1 for p in stats if p.parent == folder) for folder in {p.parent for p in stats}}
    assert max(per_folder.values()) <= include_index.LISTING_AFTER + 1
    monkeypatch.setattr(include_index, "LISTING_AFTER", 10**9)  # a stat each, as before
    one_by_one = IncludeIndex([tree / "include"], cache_dir=tree / "other-cache").scope(plugin, includes_of(source))
    assert listed.files == one_by_one.files and listed.unresolved == one_by_one.unresolved
    assert listed.defines("MIXED") and "a_folder" in listed.unresolved and len(listed.unresolved) == 3001
    # past MAX_LOOKED_FOR, the rest are unresolved without being looked for
    monkeypatch.setattr(include_index, "MAX_LOOKED_FOR", 3)
    stats.clear()
    capped = IncludeIndex([tree / "include"], cache_dir=tree / "third-cache").scope(plugin, includes_of(source))
    assert capped.defines("MIXED") and "linked" not in capped.unresolved  # the first three are looked for
    assert capped.unresolved[:2] == ["a_folder", "l4d2/survivors"] and capped.unresolved[-3:] == [
        "core",
        "handles",
        "clients",
    ]
    assert len(capped.unresolved) == len(names)  # the other 3,002, then sourcemod's three
    assert len({p.name.split(".")[0] for p in stats}) <= 3
    assert "linked" not in listed.unresolved  # (found: a link to a file read already)


def test_scope_accepts_the_file_models_includes(index: IncludeIndex, tree: Path) -> None:
    """The engine hands over semantics.Include objects; ctx.is_defined goes through the scope."""
    plugin = tree / "myplugin.sp"
    ctx = Context(PLUGIN, parse(PLUGIN), str(plugin), scope=lambda model: index.scope(plugin, model.includes))
    assert ctx.is_defined("GetClientHealth")
    assert ctx.is_defined("OnPluginStart")
    assert not ctx.is_defined("GetClientSpeed")
    assert ctx.unknown_includes() == []


def test_unchanged_scope_costs_only_stats(index: IncludeIndex, tree: Path, monkeypatch) -> None:
    plugin = tree / "myplugin.sp"
    includes = includes_of(PLUGIN)
    first = index.scope(plugin, includes)

    def no_rebuild(*args):
        raise AssertionError("rebuilt an unchanged closure")

    monkeypatch.setattr(IncludeIndex, "_build", no_rebuild)
    monkeypatch.setattr(include_symbols, "parse", no_rebuild)
    assert index.scope(plugin, includes) is first  # speed itself is measured in bench/, not here


def test_scope_follows_edits(index: IncludeIndex, tree: Path) -> None:
    plugin = tree / "myplugin.sp"
    includes = includes_of(PLUGIN + b"#include <later>\n")
    assert index.scope(plugin, includes).unresolved == ["later"]
    bump(tree / "include" / "later.inc", "native void AddedLater();\n")  # a new file in a searched folder
    scope = index.scope(plugin, includes)
    assert scope.unresolved == [] and scope.defines("AddedLater")
    bump(tree / "include" / "handles.inc", "native void HandlesRewritten();\n")  # an edited include
    scope = index.scope(plugin, includes)
    assert scope.defines("HandlesRewritten") and "ArrayList" not in scope.symbols


def test_symbols_in_follows_mtime(index: IncludeIndex, tree: Path) -> None:
    helpers = tree / "helpers.inc"
    assert [s.name for s in index.symbols_in(helpers)] == ["LocalHelper"]
    bump(helpers, "stock int OtherHelper() { return 2; }\n")
    assert [s.name for s in index.symbols_in(helpers)] == ["OtherHelper"]


# -- the disk cache ---------------------------------------------------------------------------
def test_second_index_reads_the_disk_cache(tree: Path, tmp_path: Path, monkeypatch) -> None:
    cache = tmp_path / "cache"
    IncludeIndex([tree / "include"], cache_dir=cache).index_all()
    assert list((cache / "index").rglob("*.json"))

    def parse_fails(*args):
        raise AssertionError("parsed although the cache is fresh")

    monkeypatch.setattr(include_symbols, "parse", parse_fails)
    again = IncludeIndex([tree / "include"], cache_dir=cache)
    health = again.lookup("GetClientHealth")[0]
    assert health.doc.startswith("Returns the client's health.")
    assert health.params == ("int client",)
    assert again.scope(tree / "myplugin.sp", [IncludeRef("sourcemod", True)]).defines("GetClientArmor")


def test_default_cache_folder_from_environment(tree: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SPCOPILOT_CACHE_DIR", str(tmp_path / "env_cache"))
    IncludeIndex([tree / "include"]).symbols_in(tree / "include" / "core.inc")
    assert list((tmp_path / "env_cache" / "index").rglob("*.json"))
    monkeypatch.delenv("SPCOPILOT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    IncludeIndex([tree / "include"]).symbols_in(tree / "include" / "core.inc")
    assert list((tmp_path / "xdg" / "spcopilot" / "index").rglob("*.json"))


def test_corrupt_cache_is_ignored_and_rewritten(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    core = tree / "include" / "core.inc"
    IncludeIndex([tree / "include"], cache_dir=cache).symbols_in(core)
    [cache_file] = list((cache / "index").rglob("*.json"))
    cache_file.write_text('{"format": 2, "symbols": [[1, 2')
    assert "MAXPLAYERS" in by_name(IncludeIndex([tree / "include"], cache_dir=cache).symbols_in(core))
    assert json.loads(cache_file.read_text())["path"] == str(core)


def test_stale_cache_is_not_used(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    helpers = tree / "helpers.inc"
    IncludeIndex([tree / "include"], cache_dir=cache).symbols_in(helpers)
    bump(helpers, "stock int Renamed() { return 3; }\n")
    assert [s.name for s in IncludeIndex([tree / "include"], cache_dir=cache).symbols_in(helpers)] == ["Renamed"]


def test_unwritable_cache_folder_is_not_an_error(tree: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "cache_is_a_file"
    blocker.write_text("")
    index = IncludeIndex([tree / "include"], cache_dir=blocker)
    assert "MAXPLAYERS" in by_name(index.symbols_in(tree / "include" / "core.inc"))


# -- the whole folder -------------------------------------------------------------------------
def test_index_all_lookup_and_members(index: IncludeIndex) -> None:
    progress: list[tuple[int, int]] = []
    assert index.index_all(lambda done, total: progress.append((done, total))) == 5
    assert progress[-1] == (5, 5) and len(progress) == 5
    assert [s.kind for s in index.lookup("ArrayList")] == ["methodmap", "constructor"]
    assert index.lookup("NoSuchThing") == []
    assert {"GetClientHealth", "Plugin_Stop", "SetValue"} <= {s.name for s in index.all_symbols()}
    assert [m.name for m in index.members("StringMap")] == ["StringMap", "SetValue", "Close"]
    assert [m.name for m in index.members("ClientInfo")] == ["userid", "name", "Reset"]
    assert index.members("NotAType") == []


def test_invalidate(index: IncludeIndex, tree: Path) -> None:
    index.index_all()
    extra = tree / "include" / "extra.inc"
    extra.write_text("native void Extra();\n")
    assert index.lookup("Extra") == []  # not looked at since
    index.invalidate(extra)
    assert [s.kind for s in index.lookup("Extra")] == ["native"]


def test_symlink_loop_does_not_hang(tree: Path, tmp_path: Path) -> None:
    include = tree / "include"
    (include / "l4d2" / "loop").symlink_to(include, target_is_directory=True)
    (include / "self").symlink_to(".", target_is_directory=True)
    index = IncludeIndex([include, include / "self"], cache_dir=tmp_path / "cache")
    assert index.index_all() == 5
    scope = index.scope(
        tree / "myplugin.sp",
        [IncludeRef("sourcemod", True), IncludeRef("self/l4d2/loop/core", True)],
    )
    assert scope.defines("Plugin_Stop") and scope.unresolved == []
    assert sum(p.name == "core.inc" for p in scope.files) == 1


def test_unreadable_include_is_skipped(index: IncludeIndex, tree: Path, monkeypatch) -> None:
    locked = tree / "include" / "locked.inc"
    locked.write_text("native void Secret();\n")
    locked.chmod(0)
    if os.geteuid() == 0:  # root reads anything: make the read fail the way it would for a user
        real_read = Path.read_bytes

        def read_bytes(self: Path) -> bytes:
            if self.name == "locked.inc":
                raise PermissionError(13, "Permission denied", str(self))
            return real_read(self)

        monkeypatch.setattr(Path, "read_bytes", read_bytes)
    try:
        assert index.index_all() == 6
        assert index.symbols_in(locked) == []
        scope = index.scope(tree / "myplugin.sp", [IncludeRef("sourcemod", True), IncludeRef("locked", True)])
        assert scope.defines("GetClientHealth")
        assert scope.unresolved == ["locked"]  # unread: the engine must not assume what it defines
    finally:
        locked.chmod(0o644)


def test_dangling_symlink_include(index: IncludeIndex, tree: Path) -> None:
    (tree / "include" / "gone.inc").symlink_to(tree / "include" / "nowhere.inc")
    assert index.index_all() == 6
    assert index.scope(None, [IncludeRef("gone", True)]).unresolved == ["gone"]


# -- the real thing (opt-in) ------------------------------------------------------------------
SM_INCLUDES = os.environ.get("SPCOPILOT_SM_INCLUDES")


@pytest.mark.skipif(
    not SM_INCLUDES or not Path(SM_INCLUDES).is_dir(),
    reason="set SPCOPILOT_SM_INCLUDES to a SourceMod include folder",
)
def test_real_sourcemod_includes(tmp_path: Path) -> None:
    index = IncludeIndex([Path(SM_INCLUDES or "")], cache_dir=tmp_path / "cache")
    assert index.index_all() > 50
    health = [s for s in index.lookup("GetClientHealth") if s.kind == "native"]
    assert health and "@param client" in health[0].doc
    assert any(s.kind == "forward" for s in index.lookup("OnPluginStart"))
    assert any(s.kind == "define" for s in index.lookup("MAXPLAYERS"))
    assert any(s.kind == "enum" for s in index.lookup("Action"))
    assert any(s.kind == "typeset" for s in index.lookup("SDKHookCB"))
    members = {m.name for m in index.members("ArrayList")}
    assert {"Push", "Length", "Close"} <= members
    plugin = tmp_path / "plugin.sp"
    scope = index.scope(
        plugin,
        [IncludeRef("sourcemod", True), IncludeRef("sdktools", True), IncludeRef("sdkhooks", True)],
    )
    assert scope.unresolved == []
    assert scope.defines("PrintToChatAll") and scope.defines("SDKHook") and scope.defines("GetEntProp")
    again = index.scope(
        plugin,
        [IncludeRef("sourcemod", True), IncludeRef("sdktools", True), IncludeRef("sdkhooks", True)],
    )
    assert again is scope  # unchanged includes: the cached closure
    assert include_index.IncludeIndex([Path(SM_INCLUDES or "")], cache_dir=tmp_path / "cache").index_all() > 50
